/**
 * The fastify application: admission routes, probes and metrics. `buildApp` never listens, so
 * tests drive it with `inject`; `serve` is what binds it to a port.
 */
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { Logger } from 'pino';
import {
  createReviewHandler,
  type Endpoint,
  type ImageVerification,
  type ReviewResult,
  type ReviewSummary,
} from '../admission/handle-review.js';
import type { AdmissionRuntime } from '../admission/runtime.js';
import { admissionReviewProblem, REVIEW_SHAPE, type AdmissionReview } from '../admission/review.js';
import { JsonBodyError, parseJsonProjection } from '../core/json-projection.js';
import type { RewriteOptions } from '../core/rewrite.js';
import { ERRORS, errorBody, type ErrorDefinition } from './errors.js';
import type { Metrics } from './metrics.js';

/**
 * Kubernetes objects are at most ~1.5 MiB in etcd and a review can carry the object and its old
 * version (ephemeral-container updates), so 3 MiB fits every real review and nothing much larger.
 */
export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

/** The API server's own webhook timeout is at most 30 s; a client slower than this is not it. */
export const REQUEST_TIMEOUT_MS = 10_000;
export const HEADERS_TIMEOUT_MS = 5_000;
/** A TLS handshake that has not finished by then is not the API server (Node's default is 120 s). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Node enforces the two timeouts above only when it checks; its default check interval is 30 s. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/**
 * A socket with no traffic either way for this long is closed: a client that stops reading its
 * answer stalls our writes, and without this it would hold the answer in memory forever.
 */
export const SOCKET_IDLE_TIMEOUT_MS = 15_000;
/**
 * Idle keep-alive connections close after this: shorter than the API server's idle timeout (Go's
 * 90 s), so the server side closes first and the API server never reuses a half-closed socket.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/**
 * Connections beyond this are dropped at accept. The API server opens one per concurrent webhook
 * call; 1024 covers bursts of Pod creation and caps what idle sockets (about 50 KB each with TLS)
 * can hold.
 */
export const MAX_CONNECTIONS = 1024;
/**
 * The deepest a review of a Pod can be is about 20 levels (review → request → object → spec →
 * affinity → … → values, or the same under `managedFields[].fieldsV1`). The body parser refuses
 * deeper bodies as it meets the first bracket too many.
 */
export const MAX_JSON_DEPTH = 64;

export interface AppDependencies {
  /** The configuration in force; read per request so reloads apply to the next review. */
  readonly runtime: () => AdmissionRuntime;
  /** Proxy health, cached by a background prober; never a network call on the request path. */
  readonly rewriteOptions?: () => RewriteOptions | undefined;
  /** Optional per-image verification (`verify.enabled`): the one network call, under a strict budget. */
  readonly verifyImages?: ImageVerification;
  readonly metrics: Metrics;
  /** Ready once TLS and configuration are loaded (and until shutdown starts). */
  readonly isReady: () => boolean;
  readonly logger?: Logger;
  /** TLS for the listening server; omit for `inject`-only tests. */
  readonly https?: HttpsOptions;
  readonly bodyLimit?: number;
}

/** A request refused before its review is decided (400): the answer's code and detail. */
class RejectedRequest extends Error {
  readonly statusCode = 400;
  constructor(
    readonly definition: ErrorDefinition,
    readonly detail?: string,
  ) {
    super(detail ?? definition.message);
  }
}

/** Fastify's own codes for body problems, mapped onto ours (the JSON itself is ours to check). */
const bodyErrors: Readonly<Record<string, ErrorDefinition>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ERRORS.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ERRORS.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ERRORS.BAD_JSON,
};

function classify(error: FastifyError): { definition: ErrorDefinition; detail: string | undefined } {
  if (error instanceof RejectedRequest) return { definition: error.definition, detail: error.detail };
  const known = bodyErrors[error.code];
  if (known !== undefined) return { definition: known, detail: undefined };
  // Any other client error fastify raises while reading the body.
  if (error.statusCode === 400) return { definition: ERRORS.BAD_JSON, detail: undefined };
  return { definition: ERRORS.INTERNAL, detail: undefined };
}

type AdmissionLog = Pick<FastifyRequest['log'], 'info' | 'debug' | 'level'>;

function logSummary(log: AdmissionLog, endpoint: Endpoint, summary: ReviewSummary, seconds: number): void {
  // Listed, not spread: the line's fields are fixed (a new one is a security review), and building
  // the object directly is the cheaper half of the line.
  log.info(
    {
      endpoint,
      uid: summary.uid,
      namespace: summary.namespace,
      pod: summary.pod,
      operation: summary.operation,
      mode: summary.mode,
      dryRun: summary.dryRun,
      outcome: summary.outcome,
      skipped: summary.skipped,
      counts: summary.counts,
      latencyMs: Math.round(seconds * 1e6) / 1e3,
    },
    'admission',
  );
  if (log.level === 'debug' || log.level === 'trace') {
    for (const image of summary.images) {
      const { input, output, reason } = image.decision;
      log.debug(
        { uid: summary.uid, field: image.field, name: image.name, from: input, to: output, reason },
        'image',
      );
    }
  }
}

function noSchemaCompiler(): never {
  throw new Error('pullthrough routes have no schemas: check the body in the handler');
}

/** Builds the app. Never listens; the caller does (or `inject`s). */
export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    ...(deps.https === undefined
      ? {}
      : {
          https: {
            ...deps.https,
            handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
            connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
          },
        }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: SOCKET_IDLE_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // One line per admission, written by the route itself, instead of fastify's two per request.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (an allocation and a bindings copy on every review): the few
    // lines written for a request (rejections, failures) carry its reqId themselves.
    childLoggerFactory: (logger) => logger,
    return503OnClosing: true,
    // No route has a schema (the envelope is checked in code), so fastify need not load its schema
    // compilers (ajv among them) at start-up; one asked for anyway is a bug, said at once.
    schemaController: {
      compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler },
    },
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  app.server.maxConnections = MAX_CONNECTIONS;
  // The API server always sends application/json; anything else is a client mistake (415).
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  // The whole body is checked (JSON grammar, nesting, prototype-poisoning keys) but only the fields
  // pullthrough reads are built: most of a review is a Pod it never looks at.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(new RejectedRequest(ERRORS.EMPTY_BODY), undefined);
      return;
    }
    let review: unknown;
    try {
      review = parseJsonProjection(bytes, REVIEW_SHAPE, MAX_JSON_DEPTH);
    } catch (error) {
      if (!(error instanceof JsonBodyError)) throw error;
      done(
        new RejectedRequest(error.problem === 'depth' ? ERRORS.TOO_DEEP : ERRORS.BAD_JSON, error.message),
        undefined,
      );
      return;
    }
    done(null, review);
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { definition, detail } = classify(error);
    const endpoint = request.routeOptions.url?.slice(1) ?? 'unknown';
    const seconds = reply.elapsedTime / 1000;
    if (definition === ERRORS.INTERNAL) {
      request.log.error({ reqId: request.id, err: error, endpoint }, 'review failed');
      deps.metrics.observeFailure(endpoint, 'error', seconds);
    } else {
      request.log.warn(
        { reqId: request.id, code: definition.code, detail: detail ?? error.message, endpoint },
        'rejected request',
      );
      deps.metrics.observeFailure(endpoint, 'bad_request', seconds);
    }
    return reply.code(definition.statusCode).send(errorBody(definition, detail));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody(ERRORS.NOT_FOUND)));

  // The admission line carries only names, counts and image strings; skipping the redaction pass
  // (which walks every wildcard path) keeps it cheap on the hot path.
  const admissionLog = deps.logger?.child({}, { redact: [] });

  const handleReview = createReviewHandler(deps.verifyImages);
  const admission = (endpoint: Endpoint) => {
    const answer = (
      request: FastifyRequest,
      reply: FastifyReply,
      { response, summary }: ReviewResult,
      runtime: AdmissionRuntime,
      started: bigint,
    ): FastifyReply => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.observeReview(endpoint, summary, seconds, runtime.registries);
      logSummary(admissionLog ?? request.log, endpoint, summary, seconds);
      return reply.send(response);
    };
    // Not an async function: only a review whose references are being verified waits, and the rest
    // are answered in the same turn, without a promise for fastify to settle.
    return (
      request: FastifyRequest<{ Body: unknown }>,
      reply: FastifyReply,
    ): FastifyReply | Promise<FastifyReply> => {
      const problem = admissionReviewProblem(request.body);
      if (problem !== undefined) throw new RejectedRequest(ERRORS.BAD_REVIEW, problem);
      const started = process.hrtime.bigint();
      const runtime = deps.runtime();
      const review = request.body as AdmissionReview;
      const decided = handleReview(review, endpoint, runtime, deps.rewriteOptions?.());
      if (decided instanceof Promise) {
        return decided.then((result) => answer(request, reply, result, runtime, started));
      }
      return answer(request, reply, decided, runtime, started);
    };
  };
  for (const endpoint of ['mutate', 'audit'] as const) {
    app.post(`/${endpoint}`, admission(endpoint));
  }

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', (_request, reply) =>
    deps.isReady() ? reply.send({ status: 'ready' }) : reply.code(503).send({ status: 'not ready' }),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  return app;
}
