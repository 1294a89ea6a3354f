/**
 * The peer: harbor-container-webhook (HCW, Go, controller-runtime), the closest existing webhook,
 * built from its own source at a pinned release and configured with the rule equivalent to
 * pullthrough's default (`^docker.io` → `harbor.ingress.local/proxy_cache`).
 *
 * The source comes from the Go module proxy (`go mod download module@version`), like its
 * dependencies; where the proxy does not serve it, the phase is skipped with the proxy's answer. The binary is cached under `BENCH_CACHE_DIR` (default
 * `$XDG_CACHE_HOME/pullthrough-bench`, else `~/.cache/pullthrough-bench`).
 *
 * HCW has no setting for its listen address (controller-runtime's webhook server binds every
 * interface), so the build replaces its main.go through `go build -overlay` with a copy that sets
 * `Host: "127.0.0.1"` and nothing else; the copy is generated from the source at build time and the
 * build stops if main.go does not have the expected shape.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { Buffer } from 'node:buffer';

const run = promisify(execFile);

export const HCW = {
  name: 'harbor-container-webhook',
  module: 'github.com/indeedeng-alpha/harbor-container-webhook',
  version: 'v0.8.1',
  /** The rule of pullthrough's embedded default, in HCW's terms. */
  rule: { name: 'docker.io', matches: ['^docker.io'], replace: 'harbor.ingress.local/proxy_cache' },
  /** Its only admission route. */
  path: '/webhook-v1-pod',
};

const WEBHOOK_OPTIONS = 'WebhookServer: ctrlwebhook.NewServer(ctrlwebhook.Options{';

export function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.BENCH_CACHE_DIR || join(base, 'pullthrough-bench');
}

async function goVersion() {
  try {
    const { stdout } = await run('go', ['version'], { timeout: 30_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** HCW's source directory: the module proxy's copy in the module cache. */
async function sourceDir(env) {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${HCW.module}@${HCW.version}`], {
    env,
    cwd: cacheDir(),
    timeout: 600_000,
  }).catch((error) => {
    // `go mod download -json` reports its error inside the JSON on stdout.
    const detail = /"Error":\s*"([^"]+)"/.exec(error.stdout ?? '')?.[1] ?? error.message;
    throw new Error(`the Go module proxy did not serve ${HCW.module}@${HCW.version}: ${detail}`);
  });
  return { dir: JSON.parse(stdout).Dir, from: 'Go module proxy' };
}

/** main.go with `Host: "127.0.0.1"` added to the webhook server's options; throws if the shape differs. */
export function loopbackMain(source) {
  const at = source.indexOf(WEBHOOK_OPTIONS);
  if (at === -1 || source.indexOf(WEBHOOK_OPTIONS, at + 1) !== -1) {
    throw new Error(`main.go does not have exactly one "${WEBHOOK_OPTIONS}"; not the pinned ${HCW.version}?`);
  }
  const end = at + WEBHOOK_OPTIONS.length;
  return `${source.slice(0, end)}\n\t\t\tHost: "127.0.0.1",${source.slice(end)}`;
}

/**
 * Resolves `{ bin, source, go }`, building once, or `{ skipped }` with the reason in one line.
 * `log` gets progress lines (the first build downloads and compiles for minutes).
 */
export async function hcwBinary(log) {
  const go = await goVersion();
  if (go === undefined)
    return { skipped: 'Go is not installed (`go` is not on PATH): the peer phase is skipped' };
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const bin = join(cache, `hcw-${HCW.version}-loopback`);
  const meta = `${bin}.json`;
  if (existsSync(bin) && existsSync(meta)) return { bin, go, ...JSON.parse(readFileSync(meta, 'utf8')) };

  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  let src;
  try {
    src = await sourceDir(env);
  } catch (error) {
    return {
      skipped: `${error.message.split('\n')[0]}: the peer phase is skipped`,
    };
  }
  const goMod = readFileSync(join(src.dir, 'go.mod'), 'utf8');
  if (!new RegExp(`^module ${HCW.module.replace(/\./g, '\\.')}$`, 'm').test(goMod)) {
    return { skipped: `${src.dir}/go.mod is not ${HCW.module}: the peer phase is skipped` };
  }
  const overlayMain = join(cache, `hcw-${HCW.version}-main.go`);
  writeFileSync(overlayMain, loopbackMain(readFileSync(join(src.dir, 'main.go'), 'utf8')));
  const overlay = join(cache, `hcw-${HCW.version}-overlay.json`);
  writeFileSync(overlay, JSON.stringify({ Replace: { [join(src.dir, 'main.go')]: overlayMain } }));
  log(
    `peer: building ${HCW.name} ${HCW.version} from ${src.dir} (${src.from}) with ${go}; the first build takes minutes`,
  );
  const partial = `${bin}.partial`;
  try {
    await run('go', ['build', '-trimpath', '-overlay', overlay, '-o', partial, '.'], {
      cwd: src.dir,
      env,
      timeout: 1_800_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    return { skipped: `building ${HCW.name} failed: ${detail}` };
  }
  renameSync(partial, bin);
  const info = { source: `${HCW.module}@${HCW.version} (${src.from})` };
  writeFileSync(meta, JSON.stringify(info));
  return { bin, go, ...info };
}

/** HCW's configuration file: the equivalent rule, webhook and probes on loopback, metrics off. */
export function hcwConfig({ port, healthPort, certDir }) {
  return [
    `port: ${port}`,
    `certDir: ${JSON.stringify(certDir)}`,
    `healthAddr: "127.0.0.1:${healthPort}"`,
    // controller-runtime: "0" turns the metrics listener off (pullthrough serves /metrics on its one port).
    'metricsAddr: "0"',
    'rules:',
    `  - name: ${JSON.stringify(HCW.rule.name)}`,
    '    matches:',
    ...HCW.rule.matches.map((m) => `      - ${JSON.stringify(m)}`),
    `    replace: ${JSON.stringify(HCW.rule.replace)}`,
    '    checkUpstream: false',
    '',
  ].join('\n');
}

/**
 * controller-runtime insists on a kubeconfig even for a webhook that never calls the API server;
 * this one points at a closed loopback port, so a call would fail at once rather than leave the host.
 */
export function dummyKubeconfig() {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: none, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
    'users: [{name: none, user: {token: none}}]',
    'contexts: [{name: none, context: {cluster: none, user: none}}]',
    'current-context: none',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Correctness on the same payloads

/** The image fields of a Pod, by `field/name`, as pullthrough's contract lists them. */
function images(pod) {
  const out = new Map();
  const spec = pod?.spec ?? {};
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of spec[field] ?? []) out.set(`${field}/${c.name}`, c.image);
  }
  for (const v of spec.volumes ?? []) if (v.image) out.set(`volumes/${v.name}`, v.image.reference);
  return out;
}

/** Applies an answer's JSON Patch (RFC 6902 add/replace on the paths webhooks use) to a copy of the Pod. */
export function patchedPod(pod, review, applyPatch) {
  const copy = JSON.parse(JSON.stringify(pod));
  const patch = review.response?.patch;
  if (patch === undefined) return copy;
  const ops = JSON.parse(Buffer.from(patch, 'base64').toString());
  return applyPatch(copy, ops, false, true).newDocument;
}

const tagOf = (ref) =>
  /^[^@]*\/[^:@/]+:([^@/]+)(@|$)/.exec(ref)?.[1] ?? /^[^/@]+:([^@/]+)(@|$)/.exec(ref)?.[1];

const short = (ref) => String(ref).replace(/(sha256:[0-9a-f]{8})[0-9a-f]{56}/g, '$1…');

/** Why a peer's image differs from pullthrough's, in a few words. */
function imageDifference(input, have, want) {
  if (have === input) return 'not rewritten';
  if (want.includes('@') && tagOf(want) !== undefined && tagOf(have) === undefined)
    return 'tag of tag@digest dropped';
  return 'rewritten differently';
}

/**
 * What a peer's answer does differently from pullthrough's on one review: per kind of image
 * difference (with a count and one example), the pull secrets, the record of original images.
 * Returns short sentences; empty when they agree.
 */
export function differences(pod, ptPod, peerPod, peerReview) {
  if (peerReview.response?.allowed !== true) {
    const message = peerReview.response?.status?.message ?? JSON.stringify(peerReview.response?.status ?? {});
    return [`review not allowed: ${message.slice(0, 160)}`];
  }
  const before = images(pod);
  const expected = images(ptPod);
  const got = images(peerPod);
  const groups = new Map();
  for (const [slot, want] of expected) {
    const have = got.get(slot);
    if (have === want) continue;
    const input = before.get(slot);
    const why = imageDifference(input, have, want);
    const group = groups.get(why) ?? { count: 0, example: { input, have, want } };
    group.count += 1;
    groups.set(why, group);
  }
  const found = [...groups].map(
    ([why, { count, example }]) =>
      `${why}: ${count} of ${expected.size} images, e.g. \`${short(example.input)}\` → \`${short(example.have)}\` ` +
      `(pullthrough: \`${short(example.want)}\`)`,
  );
  const secrets = (p) => JSON.stringify(p?.spec?.imagePullSecrets ?? []);
  if (secrets(ptPod) !== secrets(peerPod)) {
    found.push(`no pull secret: imagePullSecrets ${secrets(peerPod)} (pullthrough: ${secrets(ptPod)})`);
  }
  const ORIGINALS = 'pullthrough.io/original-images';
  if (
    ptPod?.metadata?.annotations?.[ORIGINALS] !== undefined &&
    peerPod?.metadata?.annotations?.[ORIGINALS] === undefined
  ) {
    found.push('no record of the original images (pullthrough: the original-images annotation)');
  }
  return found;
}
