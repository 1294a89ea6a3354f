/**
 * The fastify application: probes, metrics, and the admission routes, whose requests the listener
 * hands straight to the admission endpoint (./admission-endpoint.ts). `buildApp` never listens, so
 * tests drive it with `inject`; `serve` is what binds it to a port.
 */
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createHttpsServer,
  type Server as HttpsServer,
  type ServerOptions as HttpsOptions,
} from 'node:https';
import {
  admissionEndpointOf,
  createAdmissionEndpoint,
  type AdmissionEndpointDependencies,
} from './admission-endpoint.js';
import { ERRORS, errorBody } from './errors.js';

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

export interface AppDependencies extends Omit<AdmissionEndpointDependencies, 'bodyLimit'> {
  /** Ready once TLS and configuration are loaded (and until shutdown starts). */
  readonly isReady: () => boolean;
  /** TLS for the listening server; omit for `inject`-only tests. */
  readonly https?: HttpsOptions;
  /** Defaults to DEFAULT_BODY_LIMIT. */
  readonly bodyLimit?: number;
}

function noSchemaCompiler(): never {
  throw new Error('pullthrough routes have no schemas: check the body in the handler');
}

/** Builds the app. Never listens; the caller does (or `inject`s). */
export function buildApp(deps: AppDependencies): FastifyInstance {
  const admission = createAdmissionEndpoint({ ...deps, bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT });
  // The listener sends admission requests straight to their endpoint and the rest to fastify.
  const serverFactory = (
    fastifyHandler: (request: IncomingMessage, response: ServerResponse) => void,
  ): HttpServer | HttpsServer => {
    const listener = (request: IncomingMessage, response: ServerResponse): void => {
      const endpoint = admissionEndpointOf(request);
      if (endpoint === undefined) fastifyHandler(request, response);
      else admission.handle(endpoint, request, response);
    };
    const server =
      deps.https === undefined
        ? createHttpServer({ connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }, listener)
        : createHttpsServer(
            {
              ...deps.https,
              handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
              connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
            },
            listener,
          );
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.setTimeout(SOCKET_IDLE_TIMEOUT_MS);
    server.maxConnections = MAX_CONNECTIONS;
    return server;
  };
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    serverFactory,
    // The admission endpoint writes one line per review; fastify writes none per request.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: the few lines written for a request carry its reqId themselves.
    childLoggerFactory: (logger) => logger,
    return503OnClosing: true,
    // No route has a schema (the envelope is checked in code), so fastify need not load its schema
    // compilers (ajv among them) at start-up; one asked for anyway is a bug, said at once.
    schemaController: {
      compilersFactory: { buildValidator: noSchemaCompiler, buildSerializer: noSchemaCompiler },
    },
  }) as unknown as FastifyInstance;
  // No route of fastify's takes a body: the admission endpoint reads, checks and limits its own.
  app.removeAllContentTypeParsers();
  app.addHook('preClose', (done) => {
    admission.startClosing();
    done();
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    request.log.error({ reqId: request.id, err: error, url: request.routeOptions.url }, 'request failed');
    return reply.code(ERRORS.INTERNAL.statusCode).send(errorBody(ERRORS.INTERNAL));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody(ERRORS.NOT_FOUND)));

  // The listener never lets admission requests reach these routes; `inject` does, and they hand the
  // request to the same endpoint before fastify looks at its body.
  for (const endpoint of ['mutate', 'audit'] as const) {
    app.route({
      method: 'POST',
      url: `/${endpoint}`,
      onRequest: (request, reply, done) => {
        reply.hijack();
        admission.handle(endpoint, request.raw, reply.raw);
        done();
      },
      handler: () => undefined,
    });
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
