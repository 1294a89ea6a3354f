import { describe, expect, it } from 'vitest';
import { namespaceDecision } from '../../src/core/scope.js';
import {
  HASH_ANNOTATION,
  MANAGED_BY_LABEL,
  OWNER_ANNOTATION,
  SOURCE_ANNOTATION,
  planSync,
  secretDataHash,
  wantsCopy,
  type SyncAction,
} from '../../src/sync/plan.js';
import {
  DOCKER_CONFIG,
  OWNER,
  ROTATED_CONFIG,
  copy,
  foreign,
  namespace,
  settings,
  source,
} from './fixtures.js';

const summary = (actions: readonly SyncAction[]): string[] =>
  actions.map(
    (action) => `${action.kind} ${action.namespace}${'reason' in action ? ` (${action.reason})` : ''}`,
  );

const LABEL = 'pullthrough.io/rewrite';

describe('which namespaces get a copy', () => {
  const namespaces = [
    namespace('kube-system'),
    namespace('pullthrough'),
    namespace('harbor'),
    namespace('plain'),
    namespace('enabled', { [LABEL]: 'enabled' }),
    namespace('audited', { [LABEL]: 'audit' }),
    namespace('disabled', { [LABEL]: 'disabled' }),
    namespace('going', { [LABEL]: 'enabled' }, { terminating: true }),
  ];
  const input = { namespaces, source: source(), secrets: [] };

  it('scope cluster: every namespace the /mutate webhook covers, not audited, disabled, excluded or terminating ones', () => {
    const scope = {
      scope: 'cluster',
      mode: 'enforce',
      excludedNamespaces: ['pullthrough', 'harbor'],
    } as const;
    const plan = planSync(input, settings({ scope }));
    expect(plan.targetNamespaces).toEqual(['enabled', 'plain']);
    expect(summary(plan.actions)).toEqual(['create enabled', 'create plain']);
  });

  it('scope opt-in: only namespaces labelled enabled', () => {
    const scope = { scope: 'opt-in', mode: 'enforce', excludedNamespaces: ['pullthrough'] } as const;
    expect(planSync(input, settings({ scope })).targetNamespaces).toEqual(['enabled']);
  });

  it('mode audit: none at all, since no Pod gets the pull secret injected', () => {
    for (const scope of ['cluster', 'opt-in'] as const) {
      const plan = planSync(input, settings({ scope: { scope, mode: 'audit', excludedNamespaces: [] } }));
      expect(plan.targetNamespaces).toEqual([]);
      expect(plan.actions).toEqual([]);
    }
  });

  it('agrees with the webhook selection of src/core/scope.ts for every label, scope and mode', () => {
    for (const scope of ['cluster', 'opt-in'] as const) {
      for (const mode of ['enforce', 'audit'] as const) {
        for (const label of [undefined, 'enabled', 'audit', 'disabled', 'other']) {
          for (const name of ['apps', 'kube-system', 'excluded']) {
            const labels: Record<string, string> = label === undefined ? {} : { [LABEL]: label };
            const scopeSettings = { scope, mode, excludedNamespaces: ['excluded'] };
            const expected = namespaceDecision(name, labels, scopeSettings).mode === 'enforce';
            expect(
              wantsCopy(namespace(name, labels), settings({ scope: scopeSettings })),
              `${scope} ${mode} ${label} ${name}`,
            ).toBe(expected);
          }
        }
      }
    }
  });

  it('never makes the source its own copy, but copies into its namespace under another name', () => {
    const scope = { scope: 'cluster', mode: 'enforce', excludedNamespaces: [] } as const;
    const ns = [namespace('pullthrough')];
    const same = planSync({ namespaces: ns, source: source(), secrets: [source()] }, settings({ scope }));
    expect(same).toMatchObject({ targetNamespaces: [], actions: [], conflicts: [] });
    const renamed = planSync(
      { namespaces: ns, source: source(), secrets: [source()] },
      settings({ scope, targetName: 'regcred' }),
    );
    expect(summary(renamed.actions)).toEqual(['create pullthrough']);
  });
});

describe('a new copy', () => {
  it('has the source’s type and data, the managed-by label, and the owner, source and hash annotations', () => {
    const plan = planSync({ namespaces: [namespace('apps')], source: source(), secrets: [] }, settings());
    expect(plan.actions).toEqual([
      {
        kind: 'create',
        namespace: 'apps',
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: 'regcred-harbor',
            namespace: 'apps',
            labels: { [MANAGED_BY_LABEL]: 'secret-sync' },
            annotations: {
              [OWNER_ANNOTATION]: OWNER,
              [SOURCE_ANNOTATION]: 'pullthrough/regcred-harbor',
              [HASH_ANNOTATION]: secretDataHash('kubernetes.io/dockerconfigjson', {
                '.dockerconfigjson': DOCKER_CONFIG,
              }),
            },
          },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': DOCKER_CONFIG },
        },
      },
    ]);
  });

  it('is named after the target name, not the source', () => {
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [] },
      settings({ targetName: 'harbor-pull' }),
    );
    expect(plan.actions[0]).toMatchObject({ kind: 'create', body: { metadata: { name: 'harbor-pull' } } });
  });
});

describe('keeping copies in sync', () => {
  it('leaves a current copy alone and counts it in sync', () => {
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [copy('apps')] },
      settings(),
    );
    expect(plan).toMatchObject({ actions: [], conflicts: [], inSync: 1, sourceState: 'ok' });
  });

  it('updates a copy when the source is rotated: new data and hash, its other metadata kept, conditional on its resourceVersion', () => {
    const old = copy('apps');
    old.metadata!.labels = { ...old.metadata!.labels, team: 'a' };
    old.metadata!.annotations = { ...old.metadata!.annotations, note: 'kept' };
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(ROTATED_CONFIG), secrets: [old] },
      settings(),
    );
    expect(summary(plan.actions)).toEqual(['update apps']);
    const body = (plan.actions[0] as Extract<SyncAction, { kind: 'update' }>).body;
    expect(body.data).toEqual({ '.dockerconfigjson': ROTATED_CONFIG });
    expect(body.metadata).toMatchObject({
      uid: old.metadata!.uid,
      resourceVersion: old.metadata!.resourceVersion,
      labels: { team: 'a', [MANAGED_BY_LABEL]: 'secret-sync' },
      annotations: {
        note: 'kept',
        [HASH_ANNOTATION]: secretDataHash('kubernetes.io/dockerconfigjson', {
          '.dockerconfigjson': ROTATED_CONFIG,
        }),
      },
    });
    expect(body.metadata!.managedFields).toBeUndefined();
  });

  it('restores a copy whose data was edited by hand', () => {
    const edited = copy('apps');
    edited.data = { '.dockerconfigjson': ROTATED_CONFIG };
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [edited] },
      settings(),
    );
    expect(summary(plan.actions)).toEqual(['update apps']);
  });

  it('replaces (delete, then create) an owned copy whose type differs or that is immutable', () => {
    const opaque = copy('a', DOCKER_CONFIG, { type: 'Opaque' });
    const immutable = { ...copy('b', ROTATED_CONFIG), immutable: true };
    const plan = planSync(
      { namespaces: [namespace('a'), namespace('b')], source: source(), secrets: [opaque, immutable] },
      settings(),
    );
    expect(summary(plan.actions)).toEqual(['replace a (type-changed)', 'replace b (immutable)']);
    expect(plan.actions[0]).toMatchObject({
      uid: 'uid-a',
      resourceVersion: opaque.metadata!.resourceVersion,
    });
  });

  it('takes over a Secret an operator labelled managed-by secret-sync (no owner annotation yet)', () => {
    const handedOver = copy('apps', DOCKER_CONFIG, { owner: null });
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [handedOver] },
      settings(),
    );
    expect(summary(plan.actions)).toEqual(['update apps']);
    expect(plan.actions[0]).toMatchObject({
      body: { metadata: { annotations: { [OWNER_ANNOTATION]: OWNER } } },
    });
  });

  it('ignores Secrets of other names', () => {
    const other = copy('apps', DOCKER_CONFIG, { name: 'something-else' });
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [other] },
      settings(),
    );
    expect(summary(plan.actions)).toEqual(['create apps']);
  });
});

describe('Secrets that are not ours', () => {
  it('never touches a same-named Secret without the managed-by label: a conflict, no action', () => {
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [foreign('apps')] },
      settings(),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.conflicts).toEqual([{ namespace: 'apps', name: 'regcred-harbor', reason: 'unmanaged' }]);
  });

  it('never touches another secret-sync controller’s copy: a conflict naming it', () => {
    const theirs = copy('apps', ROTATED_CONFIG, { owner: 'other/lease' });
    const plan = planSync(
      { namespaces: [namespace('apps')], source: source(), secrets: [theirs] },
      settings(),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.conflicts).toEqual([
      { namespace: 'apps', name: 'regcred-harbor', reason: 'other-owner', owner: 'other/lease' },
    ]);
  });

  it('neither deletes nor reports them outside the scope', () => {
    const ns = [namespace('off', { [LABEL]: 'disabled' }), namespace('theirs', { [LABEL]: 'disabled' })];
    const secrets = [foreign('off'), copy('theirs', DOCKER_CONFIG, { owner: 'other/lease' })];
    expect(planSync({ namespaces: ns, source: source(), secrets }, settings())).toMatchObject({
      actions: [],
      conflicts: [],
    });
  });
});

describe('namespaces leaving the scope', () => {
  it('deletes our copy, with the uid and resourceVersion read as preconditions', () => {
    const ours = copy('apps');
    const plan = planSync(
      { namespaces: [namespace('apps', { [LABEL]: 'disabled' })], source: source(), secrets: [ours] },
      settings(),
    );
    expect(plan.actions).toEqual([
      {
        kind: 'delete',
        namespace: 'apps',
        reason: 'namespace-out-of-scope',
        uid: 'uid-apps',
        resourceVersion: ours.metadata!.resourceVersion,
      },
    ]);
  });

  it('deletes in opt-in scope when the enabled label is removed, and in audit namespaces', () => {
    const scope = { scope: 'opt-in', mode: 'enforce', excludedNamespaces: [] } as const;
    const plan = planSync(
      {
        namespaces: [namespace('unlabelled'), namespace('audited', { [LABEL]: 'audit' })],
        source: source(),
        secrets: [copy('unlabelled'), copy('audited')],
      },
      settings({ scope }),
    );
    expect(summary(plan.actions)).toEqual([
      'delete audited (namespace-out-of-scope)',
      'delete unlabelled (namespace-out-of-scope)',
    ]);
  });

  it('deletes from a namespace excluded by name', () => {
    const scope = { scope: 'cluster', mode: 'enforce', excludedNamespaces: ['harbor'] } as const;
    const plan = planSync(
      { namespaces: [namespace('harbor')], source: source(), secrets: [copy('harbor')] },
      settings({ scope }),
    );
    expect(summary(plan.actions)).toEqual(['delete harbor (namespace-out-of-scope)']);
  });

  it('leaves copies in terminating and unknown namespaces to the namespace deletion', () => {
    const plan = planSync(
      {
        namespaces: [namespace('going', {}, { terminating: true })],
        source: source(),
        secrets: [copy('going'), copy('gone')],
      },
      settings(),
    );
    expect(plan.actions).toEqual([]);
  });

  it('deletes even while the source is missing', () => {
    const plan = planSync(
      {
        namespaces: [namespace('apps', { [LABEL]: 'disabled' })],
        source: undefined,
        secrets: [copy('apps')],
      },
      settings(),
    );
    expect(summary(plan.actions)).toEqual(['delete apps (namespace-out-of-scope)']);
  });
});

describe('an unusable source', () => {
  it.each([
    ['missing', undefined],
    ['wrong-type', source(DOCKER_CONFIG, { type: 'Opaque' })],
    ['no-data', source(DOCKER_CONFIG, { data: {} })],
  ] as const)('%s: creates nothing and leaves the existing copies as they are', (state, src) => {
    const plan = planSync(
      {
        namespaces: [namespace('new'), namespace('old')],
        source: src,
        secrets: [copy('old', ROTATED_CONFIG)],
      },
      settings(),
    );
    expect(plan).toMatchObject({
      sourceState: state,
      actions: [],
      inSync: 0,
      targetNamespaces: ['new', 'old'],
    });
  });
});

it('is deterministic: actions sorted by namespace whatever the input order', () => {
  const namespaces = ['c', 'a', 'b'].map((name) => namespace(name));
  const one = planSync({ namespaces, source: source(), secrets: [] }, settings());
  const two = planSync({ namespaces: [...namespaces].reverse(), source: source(), secrets: [] }, settings());
  expect(summary(one.actions)).toEqual(['create a', 'create b', 'create c']);
  expect(two).toEqual(one);
});

describe('secretDataHash', () => {
  it('depends on type and data, not on key order', () => {
    const hash = secretDataHash('t', { a: '1', b: '2' });
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(secretDataHash('t', { b: '2', a: '1' })).toBe(hash);
    expect(secretDataHash('u', { a: '1', b: '2' })).not.toBe(hash);
    expect(secretDataHash('t', { a: '1', b: '3' })).not.toBe(hash);
  });
});
