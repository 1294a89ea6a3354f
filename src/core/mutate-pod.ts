/**
 * Pod mutation: every image field of a Pod through the rewrite engine, the pull secrets the
 * rewritten images need, and the original references in an annotation; the result as an
 * RFC 6902 JSON Patch against the object exactly as the API server sent it.
 *
 * The patch is built from the touched paths only (never a clone-and-diff of the whole Pod), so
 * fields pullthrough does not know are never dropped, reordered or rewritten. Pure: no I/O.
 */
import type { RewriteDecision, Rewriter, RewriteOptions } from './rewrite.js';
import { asJsonObject, isJsonObject, type JsonObject } from './json.js';

export const ORIGINAL_IMAGES_ANNOTATION = 'pullthrough.io/original-images';
export const REWRITE_LABEL = 'pullthrough.io/rewrite';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** The image fields of a Pod, named as in the original-images annotation keys. */
export type ImageField = 'containers' | 'initContainers' | 'ephemeralContainers' | 'volumes';

export interface JsonPatchOperation {
  readonly op: 'add' | 'replace';
  readonly path: string;
  readonly value: unknown;
}

/** One image field of the Pod and what the engine decided for it. */
export interface ImageDecision {
  readonly field: ImageField;
  /** Container or volume name (`#<index>` when the object has none). */
  readonly name: string;
  /** JSON Pointer to the image string in the Pod. */
  readonly pointer: string;
  readonly decision: RewriteDecision;
}

/** Why a whole Pod was left alone. */
export const POD_SKIP_REASONS = ['mirror-pod', 'opt-out-label', 'excluded-owner'] as const;
export type PodSkipReason = (typeof POD_SKIP_REASONS)[number];

export interface PodMutation {
  readonly skipped: PodSkipReason | undefined;
  readonly images: readonly ImageDecision[];
  /** Empty when nothing changes. */
  readonly patch: readonly JsonPatchOperation[];
  /** Pull secrets the patch adds (names). */
  readonly pullSecretsAdded: readonly string[];
  /** Human-readable notes for the AdmissionResponse (invalid images, secrets that cannot be added). */
  readonly warnings: readonly string[];
}

/** Pods controlled by an owner of this kind (a DaemonSet, say) are left as written. */
export interface OwnerExclusion {
  /** API group of the controlling owner; `""` for the core group. */
  readonly apiGroup: string;
  readonly kind: string;
}

export interface MutationSettings {
  readonly rewriter: Rewriter;
  /** Default pull secrets for a rewritten image whose rule names none. */
  readonly pullSecrets: readonly string[];
  readonly excludedOwners: readonly OwnerExclusion[];
  readonly rewriteOptions?: RewriteOptions | undefined;
}

/**
 * `create`: a new Pod, every image field.
 * `ephemeral-update`: the `pods/ephemeralcontainers` subresource (`kubectl debug`), where only the
 * newly added ephemeral containers may change; the API server drops any other change on that path.
 * `update`: a Pod UPDATE (`kubectl set image pod/...`): only container and init container images
 * that differ from `oldPod` (the only image fields a running Pod may change), and only when the Pod
 * already has the pull secrets they need, since `imagePullSecrets` cannot change on a running Pod.
 */
export type MutationKind =
  { kind: 'create' } | { kind: 'ephemeral-update'; oldPod: unknown } | { kind: 'update'; oldPod: unknown };

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const ORIGINAL_IMAGES_POINTER = `/metadata/annotations/${escapePointer(ORIGINAL_IMAGES_ANNOTATION)}`;

/** The API group of an owner reference's `apiVersion` (`apps/v1` → `apps`, `v1` → core `""`). */
function apiGroupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

function skipReason(pod: JsonObject, excludedOwners: readonly OwnerExclusion[]): PodSkipReason | undefined {
  const metadata = asJsonObject(pod.metadata);
  if (MIRROR_POD_ANNOTATION in asJsonObject(metadata.annotations)) return 'mirror-pod';
  if (asJsonObject(metadata.labels)[REWRITE_LABEL] === 'disabled') return 'opt-out-label';
  const owners = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences : [];
  const excluded = owners.some((owner) => {
    const ref = asJsonObject(owner);
    return excludedOwners.some(
      (rule) => rule.kind === ref.kind && rule.apiGroup === apiGroupOf(ref.apiVersion),
    );
  });
  return excluded ? 'excluded-owner' : undefined;
}

interface ImageSlot {
  readonly field: ImageField;
  readonly name: string;
  readonly pointer: string;
  readonly image: unknown;
}

const CONTAINER_FIELDS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

function namesOf(list: unknown): Set<unknown> {
  return new Set((Array.isArray(list) ? list : []).map((item) => asJsonObject(item).name));
}

const FIELDS_OF: Readonly<Record<MutationKind['kind'], readonly (typeof CONTAINER_FIELDS)[number][]>> = {
  create: CONTAINER_FIELDS,
  'ephemeral-update': ['ephemeralContainers'],
  update: ['initContainers', 'containers'],
};

/** `field/name` → image of the old Pod's containers, to tell what an update changes. */
function oldImages(mutation: MutationKind): Map<string, unknown> {
  const images = new Map<string, unknown>();
  if (mutation.kind === 'create') return images;
  const spec = asJsonObject(asJsonObject(mutation.oldPod).spec);
  for (const field of CONTAINER_FIELDS) {
    const list: unknown = spec[field];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const container = asJsonObject(item);
      images.set(`${field}/${String(container.name)}`, container.image);
    }
  }
  return images;
}

/** Whether a container of the new Pod is one the mutation may touch. */
function isCandidate(
  field: ImageField,
  container: JsonObject,
  mutation: MutationKind,
  old: Map<string, unknown>,
): boolean {
  const key = `${field}/${String(container.name)}`;
  // Existing ephemeral containers cannot change; only the added ones are the request's.
  if (mutation.kind === 'ephemeral-update') return !old.has(key);
  // An update touches only the images it changes: rewriting another would restart its container.
  // A container the old Pod lacks cannot appear on update: leave it (and a malformed review) alone.
  if (mutation.kind === 'update') return old.has(key) && old.get(key) !== container.image;
  return true;
}

/** Every image field of the Pod in a stable order: init, regular, ephemeral containers, volumes. */
function imageSlots(spec: JsonObject, mutation: MutationKind): ImageSlot[] {
  const slots: ImageSlot[] = [];
  const old = oldImages(mutation);
  for (const field of FIELDS_OF[mutation.kind]) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((item, index) => {
      const container = asJsonObject(item);
      if (!isCandidate(field, container, mutation, old)) return;
      const name = typeof container.name === 'string' ? container.name : `#${index}`;
      slots.push({ field, name, pointer: `/spec/${field}/${index}/image`, image: container.image });
    });
  }
  if (mutation.kind === 'create' && Array.isArray(spec.volumes)) {
    spec.volumes.forEach((item, index) => {
      const volume = asJsonObject(item);
      if (!isJsonObject(volume.image)) return;
      const name = typeof volume.name === 'string' ? volume.name : `#${index}`;
      slots.push({
        field: 'volumes',
        name,
        pointer: `/spec/volumes/${index}/image/reference`,
        image: volume.image.reference,
      });
    });
  }
  return slots;
}

function pullSecretOperations(spec: JsonObject, wanted: readonly string[]): [JsonPatchOperation[], string[]] {
  const current = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : undefined;
  const present = new Set((current ?? []).map((entry) => asJsonObject(entry).name));
  const missing = wanted.filter((name) => !present.has(name));
  if (missing.length === 0) return [[], []];
  if (current === undefined) {
    return [
      [{ op: 'add', path: '/spec/imagePullSecrets', value: missing.map((name) => ({ name })) }],
      missing,
    ];
  }
  return [missing.map((name) => ({ op: 'add', path: '/spec/imagePullSecrets/-', value: { name } })), missing];
}

function annotationOperation(
  metadata: JsonObject,
  originals: Record<string, string>,
  warnings: string[],
  newOriginalsWin: boolean,
): JsonPatchOperation {
  const annotations = metadata.annotations;
  if (!isJsonObject(annotations)) {
    return {
      op: 'add',
      path: '/metadata/annotations',
      value: { [ORIGINAL_IMAGES_ANNOTATION]: JSON.stringify(originals) },
    };
  }
  const existing = annotations[ORIGINAL_IMAGES_ANNOTATION];
  if (typeof existing !== 'string')
    return { op: 'add', path: ORIGINAL_IMAGES_POINTER, value: JSON.stringify(originals) };
  let previous: JsonObject = {};
  try {
    previous = asJsonObject(JSON.parse(existing));
  } catch {
    warnings.push(`the ${ORIGINAL_IMAGES_ANNOTATION} annotation was not JSON and has been replaced`);
  }
  // Re-invocation and reinvoked webhooks must keep the first originals, so existing keys win;
  // an update that changes an image makes the new one that container's original.
  const merged = newOriginalsWin ? { ...previous, ...originals } : { ...originals, ...previous };
  return { op: 'replace', path: ORIGINAL_IMAGES_POINTER, value: JSON.stringify(merged) };
}

/** Warnings are cut at 256 characters: an attacker-sized image is elided in the middle so the reason survives. */
const MAX_WARNED_IMAGE_LENGTH = 80;

function elide(text: string): string {
  if (text.length <= MAX_WARNED_IMAGE_LENGTH) return text;
  const half = MAX_WARNED_IMAGE_LENGTH / 2;
  return `${text.slice(0, half)}…${text.slice(-half)}`;
}

function describeInvalid(slot: ImageSlot, decision: RewriteDecision): string {
  return `${slot.field}/${slot.name}: image ${JSON.stringify(elide(decision.input))} left as written: ${decision.error ?? 'invalid'}`;
}

/** Pull secrets and annotations cannot change through the ephemeral-containers subresource: say what is missing. */
function missingSecretWarnings(spec: JsonObject, wanted: ReadonlySet<string>): string[] {
  const present = namesOf(spec.imagePullSecrets);
  const missing = [...wanted].filter((name) => !present.has(name));
  if (missing.length === 0) return [];
  return [
    `ephemeral container images were proxied but the Pod lacks imagePullSecrets ${missing.join(', ')}; ` +
      'they cannot be added to a running Pod, so the pull may fail',
  ];
}

/**
 * On a Pod UPDATE, a rewritten image whose pull secrets the Pod lacks is left as written: they
 * cannot be added to a running Pod, and without them the pull through a private proxy would fail.
 */
function withoutMissingSecrets(
  slot: ImageSlot,
  decision: RewriteDecision,
  missing: readonly string[],
  warnings: string[],
): RewriteDecision {
  if (missing.length === 0) return decision;
  warnings.push(
    `${slot.field}/${slot.name}: image ${JSON.stringify(elide(decision.input))} left as written: the Pod lacks ` +
      `imagePullSecrets ${missing.join(', ')}, which cannot be added to a running Pod`,
  );
  return { ...decision, output: decision.input, rewritten: false, reason: 'pull-secret-missing' };
}

interface ImagePass {
  readonly images: ImageDecision[];
  readonly patch: JsonPatchOperation[];
  readonly warnings: string[];
  readonly originals: Record<string, string>;
  readonly wantedSecrets: Set<string>;
}

/** Decides each image slot the mutation may touch; the image replacements and what they need. */
function decideImages(spec: JsonObject, settings: MutationSettings, mutation: MutationKind): ImagePass {
  const pass: ImagePass = { images: [], patch: [], warnings: [], originals: {}, wantedSecrets: new Set() };
  const presentSecrets = namesOf(spec.imagePullSecrets);
  for (const slot of imageSlots(spec, mutation)) {
    if (typeof slot.image !== 'string') continue; // the API server's validation rejects these
    let decision = settings.rewriter.rewrite(slot.image, settings.rewriteOptions);
    const needed = decision.rule?.pullSecrets ?? settings.pullSecrets;
    if (decision.rewritten && mutation.kind === 'update') {
      const missing = needed.filter((name) => !presentSecrets.has(name));
      decision = withoutMissingSecrets(slot, decision, missing, pass.warnings);
    }
    pass.images.push({ field: slot.field, name: slot.name, pointer: slot.pointer, decision });
    if (decision.reason === 'invalid') pass.warnings.push(describeInvalid(slot, decision));
    if (!decision.rewritten) continue;
    pass.patch.push({ op: 'replace', path: slot.pointer, value: decision.output });
    pass.originals[`${slot.field}/${slot.name}`] = decision.input;
    for (const secret of needed) pass.wantedSecrets.add(secret);
  }
  return pass;
}

/** Decides every image of a Pod and builds the patch. Never throws on malformed Pods. */
export function mutatePod(pod: unknown, settings: MutationSettings, mutation: MutationKind): PodMutation {
  const root = asJsonObject(pod);
  const skipped = skipReason(root, settings.excludedOwners);
  if (skipped !== undefined) return { skipped, images: [], patch: [], pullSecretsAdded: [], warnings: [] };

  const spec = asJsonObject(root.spec);
  const { images, patch, warnings, originals, wantedSecrets } = decideImages(spec, settings, mutation);
  if (patch.length === 0) return { skipped, images, patch, pullSecretsAdded: [], warnings };

  if (mutation.kind === 'ephemeral-update') {
    warnings.push(...missingSecretWarnings(spec, wantedSecrets));
    return { skipped, images, patch, pullSecretsAdded: [], warnings };
  }

  // On an update every needed secret is present already (see withoutMissingSecrets).
  const [secretOps, pullSecretsAdded] =
    mutation.kind === 'update' ? [[], []] : pullSecretOperations(spec, [...wantedSecrets]);
  patch.push(...secretOps);
  if (!isJsonObject(root.metadata)) {
    // Every Pod the API server sends has metadata; stay correct for one that does not.
    patch.push({
      op: 'add',
      path: '/metadata',
      value: { annotations: { [ORIGINAL_IMAGES_ANNOTATION]: JSON.stringify(originals) } },
    });
  } else {
    patch.push(annotationOperation(root.metadata, originals, warnings, mutation.kind === 'update'));
  }
  return { skipped, images, patch, pullSecretsAdded, warnings };
}
