/**
 * Optional per-image verification: before an image is rewritten, check that the proxied reference
 * resolves through the proxy (a manifest HEAD with the pull secret's credentials). Answers are cached
 * per reference with a TTL in a bounded LRU, and one review waits at most `budgetMilliseconds` for
 * them: whatever has not answered by then is in doubt, and an image in doubt is left as written.
 *
 * A check keeps running after the budget (up to its own request timeout), so a slow proxy's answer
 * still lands in the cache for the next review; concurrent reviews share one request per reference.
 *
 * Registry auth follows the distribution spec: a first request as anonymous (or with what the host
 * asked for last time), then on `401` the challenge it names: `Basic` with the credentials, or
 * `Bearer realm=...,service=...,scope=...`, whose token is fetched from the realm with the
 * credentials (Basic) and cached for its lifetime.
 */
import { probeOf, type Config, type VerifySettings } from '../config/config.js';
import { targetsOf } from '../core/rewrite.js';
import { parseImageReference, type ImageReference } from '../core/image-ref.js';
import {
  anonymous,
  fileCredentials,
  kubernetesSecretReader,
  secretCredentials,
  type CredentialSource,
  type RegistryCredentials,
  type SecretReader,
} from './credentials.js';
import {
  createHttpClient,
  describeFailure,
  type HttpClient,
  type HttpResponse,
  type TlsSettings,
} from './http-client.js';
import { silentLogger, systemClock, type Clock, type HealthLogger } from './support.js';

/** Media types a kubelet accepts, so the proxy answers for the manifest the node would pull. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * `found`: the proxy serves the manifest. `missing`: it says there is none (404). `denied`: it
 * refused the credentials (401/403). `doubt`: no usable answer (error, 5xx, timeout).
 */
export type Verdict = 'found' | 'missing' | 'denied' | 'doubt';

export interface ImageVerifierOptions {
  readonly config: Config;
  readonly logger?: HealthLogger;
  readonly http?: HttpClient;
  /** Overrides the credentials the configuration names (tests, or a caller with its own source). */
  readonly credentials?: CredentialSource;
  /** Reads `verify.credentialsSecret`; default: @kubernetes/client-node with the default kubeconfig. */
  readonly secretReader?: SecretReader;
  readonly clock?: Clock;
  /** Distinct references remembered. Default 10 000. */
  readonly cacheSize?: number;
  /** How long one check may run in the background, past the review's budget. Default 5 000 ms. */
  readonly requestTimeoutMs?: number;
}

export interface ImageVerifier {
  /** Checks proxied references; returns those NOT verified (missing, denied, in doubt, unanswered). */
  verify(references: readonly string[]): Promise<Set<string>>;
  /** Applies a reloaded configuration; cached answers are dropped when what they depend on changed. */
  reconfigure(config: Config): void;
  /**
   * The references not known to be found, from the cache alone: no request goes out. For dry
   * runs, which must have no side effects (the webhook declares `sideEffects: None`).
   */
  cachedOnly(references: readonly string[]): Set<string>;
  close(): void;
}

/** Errors and refusals are retried sooner than answers: a proxy coming back should be seen quickly. */
const DOUBT_TTL_MS = 10_000;
const DEFAULT_CACHE_SIZE = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_TOKEN_SECONDS = 60;
const MAX_TOKENS = 1_000;
/**
 * New references one review may check; the rest are in doubt (left as written) until a later
 * review checks them. A Pod has a handful of images; a review with thousands is an attack on the
 * proxy and on the other reviews waiting for it.
 */
export const MAX_CHECKS_PER_REVIEW = 32;
/** Checks in flight per proxy host; the rest wait in that host's queue, so one host cannot starve another. */
export const MAX_CHECKS_PER_HOST = 4;
/** Checks waiting per host; past this a new one is in doubt at once (and not cached). */
export const MAX_QUEUED_PER_HOST = 256;
/** Unverified references named in the one warning a review logs. */
const LOGGED_EXAMPLES = 3;

/** Loopback: the only place credentials may travel without TLS (a sidecar, a port-forward, tests). */
function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether credentials may be sent to `url` at all: over HTTPS, or to loopback. */
const carriesCredentials = (url: URL): boolean => url.protocol === 'https:' || isLoopback(url);

interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly realm: string | undefined;
  readonly service: string | undefined;
  readonly scope: string | undefined;
}

interface Outcome {
  readonly verdict: Verdict;
  readonly detail: string;
}

/** Parses the first `WWW-Authenticate` challenge (Basic or Bearer) with its quoted parameters. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(basic|bearer)\b(.*)$/i.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  for (const [, name = '', value = ''] of (match[2] ?? '').matchAll(/([a-z_]+)\s*=\s*"([^"]*)"/gi)) {
    params[name.toLowerCase()] ??= value;
  }
  return {
    scheme: (match[1] ?? '').toLowerCase() === 'basic' ? 'basic' : 'bearer',
    realm: params.realm,
    service: params.service,
    scope: params.scope,
  };
}

const basicHeader = (credentials: RegistryCredentials): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

function verdictOf(response: HttpResponse): Outcome {
  const detail = `HTTP ${response.status}`;
  if (response.status >= 200 && response.status < 300) return { verdict: 'found', detail };
  if (response.status === 404) return { verdict: 'missing', detail };
  if (response.status === 401 || response.status === 403) return { verdict: 'denied', detail };
  return { verdict: 'doubt', detail };
}

/** The token of a token endpoint's answer (`token` or OAuth2's `access_token`) and its lifetime. */
function tokenOf(response: HttpResponse): { token: string; seconds: number } | undefined {
  if (response.status !== 200) return undefined;
  let document: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    document = JSON.parse(response.body) as typeof document;
  } catch {
    return undefined;
  }
  const token = typeof document.token === 'string' ? document.token : document.access_token;
  if (typeof token !== 'string' || token === '') return undefined;
  const expires = document.expires_in;
  const seconds = typeof expires === 'number' && expires > 0 ? expires : DEFAULT_TOKEN_SECONDS;
  return { token, seconds };
}

/** A Map used as an LRU: a hit moves the entry to the end, the oldest goes first. */
class Lru<V> {
  readonly #entries = new Map<string, V>();
  constructor(readonly limit: number) {}

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Runs at most `limit` tasks at once, queueing up to `queueLimit` more; beyond that it refuses. */
class HostQueue {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  /** `undefined` when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T> | undefined {
    if (this.#running >= this.limit && this.#waiting.length >= this.queueLimit) return undefined;
    const start = (): Promise<T> => {
      this.#running += 1;
      return task().finally(() => {
        this.#running -= 1;
        this.#waiting.shift()?.();
      });
    };
    if (this.#running < this.limit) return start();
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(start);
  }

  get idle(): boolean {
    return this.#running === 0 && this.#waiting.length === 0;
  }
}

function credentialSourceFor(settings: VerifySettings, options: ImageVerifierOptions): CredentialSource {
  if (options.credentials !== undefined) return options.credentials;
  if (settings.credentialsFile !== undefined) return fileCredentials(settings.credentialsFile);
  if (settings.credentialsSecret !== undefined) {
    return secretCredentials(options.secretReader ?? kubernetesSecretReader(), settings.credentialsSecret);
  }
  return anonymous;
}

/** What the cached answers depend on: verification settings and how each proxy host is reached. */
const fingerprintOf = (config: Config): string =>
  JSON.stringify([config.verify, config.rules.map((rule) => [targetsOf(rule), rule.probe ?? null])]);

export function createImageVerifier(options: ImageVerifierOptions): ImageVerifier {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const ownHttp = options.http === undefined ? createHttpClient() : undefined;
  const http: HttpClient = options.http ?? ownHttp!;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const answers = new Lru<{ outcome: Outcome; until: number }>(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const tokens = new Lru<{ token: string; until: number }>(MAX_TOKENS);
  const challenges = new Map<string, Challenge>();
  const inFlight = new Map<string, Promise<Outcome>>();
  const queues = new Map<string, HostQueue>();

  let config = options.config;
  let fingerprint = fingerprintOf(config);
  let credentials = credentialSourceFor(config.verify, options);
  let generation = 0;
  let lastCredentialProblem: string | undefined;

  const credentialsFor = async (host: string): Promise<RegistryCredentials | undefined> => {
    try {
      const found = (await credentials()).get(host);
      lastCredentialProblem = undefined;
      return found;
    } catch (error) {
      const problem = describeFailure(error);
      if (problem !== lastCredentialProblem) {
        logger.warn({ problem }, 'registry credentials unavailable: manifest checks go out anonymously');
      }
      lastCredentialProblem = problem;
      return undefined;
    }
  };

  /**
   * Credentials go only to the host they are keyed for (the probe URL may point elsewhere), and
   * never in clear text beyond loopback.
   */
  const credentialsTo = (target: URL, host: string): Promise<RegistryCredentials | undefined> =>
    carriesCredentials(target) && target.host === host ? credentialsFor(host) : Promise.resolve(undefined);

  const tlsFor = (host: string): TlsSettings => {
    const probe = probeOf(config, host);
    return {
      caFile: config.verify.caFile ?? probe.caFile,
      insecureSkipVerify: config.verify.insecureSkipVerify || probe.insecureSkipVerify,
    };
  };

  interface Attempt {
    /** The origin manifests are requested from. */
    readonly origin: string;
    readonly scope: string;
    readonly tls: TlsSettings;
    readonly credentials: RegistryCredentials | undefined;
    readonly signal: AbortSignal;
  }

  const realmUrl = (realm: string, service: string | undefined, scope: string): URL => {
    const url = new URL(realm);
    if (service !== undefined) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    return url;
  };

  /**
   * The challenge names the realm, so the registry (or whoever answers for it) picks where the
   * credentials go: only over HTTPS, or back to the very origin they were meant for.
   */
  const realmCredentials = (url: URL, attempt: Attempt): RegistryCredentials | undefined =>
    url.protocol === 'https:' || url.origin === attempt.origin ? attempt.credentials : undefined;

  /** A Bearer token for the challenge's scope: cached, or fetched from the realm. */
  const bearerToken = async (
    challenge: Challenge,
    attempt: Attempt,
    fresh: boolean,
  ): Promise<string | undefined> => {
    if (challenge.realm === undefined) return undefined;
    const scope = challenge.scope ?? attempt.scope;
    const url = realmUrl(challenge.realm, challenge.service, scope);
    const sent = realmCredentials(url, attempt);
    const key = JSON.stringify([challenge.realm, challenge.service, scope, sent?.username ?? null]);
    const hit = tokens.get(key);
    if (!fresh && hit !== undefined && clock.now() < hit.until) return hit.token;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (sent !== undefined) headers.authorization = basicHeader(sent);
    const response = await http({
      method: 'GET',
      url: url.href,
      headers,
      signal: attempt.signal,
      tls: attempt.tls,
    });
    const granted = tokenOf(response);
    // Renew a little early so a token never expires between the cache and the registry.
    if (granted !== undefined)
      tokens.set(key, { token: granted.token, until: clock.now() + granted.seconds * 900 });
    return granted?.token;
  };

  /** The Authorization header for a host's challenge, or undefined when it cannot be met. */
  const authorization = async (
    challenge: Challenge | undefined,
    attempt: Attempt,
    fresh: boolean,
  ): Promise<string | undefined> => {
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      return attempt.credentials === undefined ? undefined : basicHeader(attempt.credentials);
    }
    const token = await bearerToken(challenge, attempt, fresh);
    return token === undefined ? undefined : `Bearer ${token}`;
  };

  const head = (url: string, auth: string | undefined, attempt: Attempt): Promise<HttpResponse> =>
    http({
      method: 'HEAD',
      url,
      headers:
        auth === undefined ? { accept: MANIFEST_ACCEPT } : { accept: MANIFEST_ACCEPT, authorization: auth },
      signal: attempt.signal,
      tls: attempt.tls,
    });

  const checkReference = async (ref: ImageReference, signal: AbortSignal): Promise<Outcome> => {
    const host = ref.domain;
    const target = new URL(probeOf(config, host).url);
    const url = `${target.origin}/v2/${ref.path}/manifests/${ref.digest ?? ref.tag ?? 'latest'}`;
    const attempt: Attempt = {
      origin: target.origin,
      scope: `repository:${ref.path}:pull`,
      tls: tlsFor(host),
      credentials: await credentialsTo(target, host),
      signal,
    };
    // Ask the way the host asked last time; on a 401, meet its (new) challenge once.
    let response = await head(url, await authorization(challenges.get(host), attempt, false), attempt);
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers['www-authenticate']);
      // Remembered for the host without its scope: the next request names its own repository.
      if (challenge !== undefined) challenges.set(host, { ...challenge, scope: undefined });
      const auth = await authorization(challenge, attempt, true);
      if (auth !== undefined) response = await head(url, auth, attempt);
    }
    return verdictOf(response);
  };

  const check = async (ref: ImageReference): Promise<Outcome> => {
    const controller = new AbortController();
    const timeout = new Error(`no answer within ${requestTimeoutMs}ms`);
    const timer = clock.setTimeout(() => controller.abort(timeout), requestTimeoutMs);
    try {
      return await checkReference(ref, controller.signal);
    } catch (error) {
      return {
        verdict: 'doubt',
        detail: controller.signal.reason === timeout ? timeout.message : describeFailure(error),
      };
    } finally {
      clock.clearTimeout(timer);
    }
  };

  const remember = (reference: string, outcome: Outcome): void => {
    const definite = outcome.verdict === 'found' || outcome.verdict === 'missing';
    const ttlMs = config.verify.ttlSeconds * 1000;
    answers.set(reference, {
      outcome,
      until: clock.now() + (definite ? ttlMs : Math.min(ttlMs, DOUBT_TTL_MS)),
    });
    // One line per answer at debug; the warning is one line per review (see `verify`).
    logger.debug({ reference, verdict: outcome.verdict, detail: outcome.detail }, 'image verification');
  };

  const queueFor = (host: string): HostQueue => {
    let queue = queues.get(host);
    if (queue === undefined) {
      // Idle queues are dropped so hosts named by attackers do not accumulate.
      for (const [name, other] of queues) if (other.idle) queues.delete(name);
      queue = new HostQueue(MAX_CHECKS_PER_HOST, MAX_QUEUED_PER_HOST);
      queues.set(host, queue);
    }
    return queue;
  };

  const lookup = (reference: string): Promise<Outcome> => {
    const running = inFlight.get(reference);
    if (running !== undefined) return running;
    let ref: ImageReference;
    try {
      ref = parseImageReference(reference);
    } catch {
      return Promise.resolve({ verdict: 'missing', detail: 'not a valid reference' });
    }
    const queued = queueFor(ref.domain).run(() => check(ref));
    if (queued === undefined) {
      return Promise.resolve({ verdict: 'doubt', detail: `too many checks waiting for ${ref.domain}` });
    }
    const started = generation;
    const promise: Promise<Outcome> = queued.then((outcome) => {
      if (inFlight.get(reference) === promise) inFlight.delete(reference);
      if (started === generation) remember(reference, outcome);
      return outcome;
    });
    inFlight.set(reference, promise);
    return promise;
  };

  const cachedOutcome = (reference: string): Outcome | undefined => {
    const entry = answers.get(reference);
    if (entry === undefined) return undefined;
    if (clock.now() >= entry.until) {
      answers.delete(reference);
      return undefined;
    }
    return entry.outcome;
  };

  /** One warning for everything a review could not verify: counts by verdict and a few examples. */
  const warnUnverified = (unverified: readonly [string, Outcome][]): void => {
    if (unverified.length === 0) return;
    const verdicts: Partial<Record<Verdict, number>> = {};
    for (const [, outcome] of unverified) verdicts[outcome.verdict] = (verdicts[outcome.verdict] ?? 0) + 1;
    const examples = unverified
      .slice(0, LOGGED_EXAMPLES)
      .map(([reference, outcome]) => ({ reference, verdict: outcome.verdict, detail: outcome.detail }));
    logger.warn(
      { unverified: unverified.length, verdicts, examples },
      'images could not be verified through their proxy',
    );
  };

  return {
    async verify(references) {
      const unique = [...new Set(references)];
      const outcomes = new Map<string, Outcome>();
      const pending: Promise<void>[] = [];
      let checks = 0;
      for (const reference of unique) {
        const hit = cachedOutcome(reference);
        if (hit !== undefined) outcomes.set(reference, hit);
        else if (checks >= MAX_CHECKS_PER_REVIEW && !inFlight.has(reference)) {
          outcomes.set(reference, {
            verdict: 'doubt',
            detail: `over the ${MAX_CHECKS_PER_REVIEW} new images one review may check`,
          });
        } else {
          checks += 1;
          pending.push(lookup(reference).then((outcome) => void outcomes.set(reference, outcome)));
        }
      }
      if (pending.length > 0) {
        await new Promise<void>((resolve) => {
          const timer = clock.setTimeout(resolve, config.verify.budgetMilliseconds);
          void Promise.all(pending).then(() => {
            clock.clearTimeout(timer);
            resolve();
          });
        });
      }
      const unanswered: Outcome = {
        verdict: 'doubt',
        detail: `no answer within ${config.verify.budgetMilliseconds}ms`,
      };
      const unverified = unique
        .map((reference): [string, Outcome] => [reference, outcomes.get(reference) ?? unanswered])
        .filter(([, outcome]) => outcome.verdict !== 'found');
      warnUnverified(unverified);
      return new Set(unverified.map(([reference]) => reference));
    },
    cachedOnly(references) {
      const unique = [...new Set(references)];
      return new Set(unique.filter((reference) => cachedOutcome(reference)?.verdict !== 'found'));
    },
    reconfigure(next) {
      const nextFingerprint = fingerprintOf(next);
      config = next;
      if (nextFingerprint === fingerprint) return;
      fingerprint = nextFingerprint;
      generation += 1;
      inFlight.clear();
      answers.clear();
      tokens.clear();
      challenges.clear();
      queues.clear();
      credentials = credentialSourceFor(next.verify, options);
      lastCredentialProblem = undefined;
    },
    close() {
      ownHttp?.close();
    },
  };
}
