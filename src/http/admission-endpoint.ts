/**
 * `/mutate` and `/audit` on Node's own request and response. These two routes are the hot path (a
 * review for every Pod the cluster creates), so they skip fastify's per-request machinery: its
 * request and reply objects, hook runner, body reader and serializer cost about 11 µs of the bare
 * fastify floor's 70 µs per review (docs/development.md). The listener sends these two paths here
 * directly; fastify's own routes for them hand their raw request to the same function, so `inject`
 * and the socket run one code path. Everything else (probes, metrics, 404s) stays on fastify.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  createReviewHandler,
  type Endpoint,
  type ImageVerification,
  type ReviewResult,
  type ReviewSummary,
} from '../admission/handle-review.js';
import type { AdmissionRuntime } from '../admission/runtime.js';
import {
  admissionReviewProblem,
  REVIEW_SHAPE,
  reviewResponseText,
  type AdmissionReview,
} from '../admission/review.js';
import { JsonBodyError, parseJsonProjection } from '../core/json-projection.js';
import type { RewriteOptions } from '../core/rewrite.js';
import { infoLineWriter, lineField } from '../log.js';
import { silentLogger, type Logger as PortLogger } from '../platform/logger.js';
import { ERRORS, errorBody, type ErrorDefinition } from './errors.js';
import type { Metrics } from './metrics.js';

/**
 * The deepest a review of a Pod can be is about 20 levels (review → request → object → spec →
 * affinity → … → values, or the same under `managedFields[].fieldsV1`). The body parser refuses
 * deeper bodies as it meets the first bracket too many.
 */
export const MAX_JSON_DEPTH = 64;

export interface AdmissionEndpointDependencies {
  /** The configuration in force; read per request so reloads apply to the next review. */
  readonly runtime: () => AdmissionRuntime;
  /** Proxy health, cached by a background prober; never a network call on the request path. */
  readonly rewriteOptions?: () => RewriteOptions | undefined;
  /** Optional per-image verification (`verify.enabled`): the one network call, under a strict budget. */
  readonly verifyImages?: ImageVerification;
  readonly metrics: Metrics;
  readonly logger?: Logger;
  readonly bodyLimit: number;
}

export interface AdmissionEndpoint {
  /** Answers one request to `endpoint`; never throws, whatever the request holds. */
  handle(endpoint: Endpoint, request: IncomingMessage, response: ServerResponse): void;
  /** From now on every answer closes its connection, so a draining server is not kept open by keep-alive. */
  startClosing(): void;
}

/** The admission endpoint a request is for (a POST to its path, with any query string), if any. */
export function admissionEndpointOf(request: IncomingMessage): Endpoint | undefined {
  if (request.method !== 'POST') return undefined;
  const url = request.url ?? '';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === '/mutate') return 'mutate';
  if (path === '/audit') return 'audit';
  return undefined;
}

/** `application/json`, with or without parameters, in any case; undefined when the header is absent. */
function mediaTypeOf(request: IncomingMessage): string | undefined {
  const header = request.headers['content-type'];
  if (header === undefined) return undefined;
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** A request that announces no body at all (no length, or zero, and not chunked). */
function announcesNoBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

type LogSummary = (endpoint: Endpoint, summary: ReviewSummary, seconds: number) => void;

/** The admission line: one per review, its fields fixed (a new one is a security review). */
function admissionLineWriter(log: Logger): LogSummary {
  const writeLine = infoLineWriter(log, 'admission');
  return (endpoint, summary, seconds) => {
    writeLine(
      lineField('endpoint', endpoint) +
        lineField('uid', summary.uid) +
        lineField('namespace', summary.namespace) +
        lineField('pod', summary.pod) +
        lineField('operation', summary.operation) +
        lineField('mode', summary.mode) +
        lineField('dryRun', summary.dryRun) +
        lineField('outcome', summary.outcome) +
        lineField('skipped', summary.skipped) +
        lineField('counts', summary.counts) +
        lineField('latencyMs', Math.round(seconds * 1e6) / 1e3),
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
  };
}

/** One request on its way to an answer. */
interface Exchange {
  readonly endpoint: Endpoint;
  readonly response: ServerResponse;
  /** For the lines written about it; unique within the process. */
  readonly id: number;
  readonly received: bigint;
}

const secondsSince = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

export function createAdmissionEndpoint(deps: AdmissionEndpointDependencies): AdmissionEndpoint {
  const log: PortLogger = deps.logger ?? silentLogger;
  const logSummary: LogSummary =
    deps.logger === undefined ? () => undefined : admissionLineWriter(deps.logger);
  const handleReview = createReviewHandler(deps.verifyImages);
  let closing = false;
  let requests = 0;

  const send = (response: ServerResponse, statusCode: number, text: string, close = false): void => {
    if (response.headersSent || response.destroyed) return;
    const headers: Record<string, string | number> = {
      'content-type': JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
    };
    if (close || closing) headers.connection = 'close';
    response.writeHead(statusCode, headers);
    response.end(text);
  };

  /**
   * A request that is not a review (400, 413, 415): a code and the reason, never the body. `close`
   * when its body was not read, so the connection does not have to drain it first.
   */
  const reject = (exchange: Exchange, definition: ErrorDefinition, detail?: string, close = false): void => {
    const { endpoint } = exchange;
    log.warn(
      { reqId: `req-${exchange.id}`, code: definition.code, detail: detail ?? definition.message, endpoint },
      'rejected request',
    );
    deps.metrics.observeFailure(endpoint, 'bad_request', secondsSince(exchange.received));
    send(exchange.response, definition.statusCode, JSON.stringify(errorBody(definition, detail)), close);
  };

  const fail = (exchange: Exchange, error: unknown): void => {
    const { endpoint } = exchange;
    log.error({ reqId: `req-${exchange.id}`, err: error, endpoint }, 'review failed');
    deps.metrics.observeFailure(endpoint, 'error', secondsSince(exchange.received));
    send(exchange.response, ERRORS.INTERNAL.statusCode, JSON.stringify(errorBody(ERRORS.INTERNAL)));
  };

  const answer = (
    exchange: Exchange,
    { response, summary }: ReviewResult,
    runtime: AdmissionRuntime,
    started: bigint,
  ): void => {
    const seconds = secondsSince(started);
    deps.metrics.observeReview(exchange.endpoint, summary, seconds, runtime.registries);
    logSummary(exchange.endpoint, summary, seconds);
    send(exchange.response, 200, reviewResponseText(response));
  };

  const decide = (exchange: Exchange, bytes: Buffer): void => {
    if (bytes.length === 0) return reject(exchange, ERRORS.EMPTY_BODY);
    let body: unknown;
    try {
      body = parseJsonProjection(bytes, REVIEW_SHAPE, MAX_JSON_DEPTH);
    } catch (error) {
      // Anything else is a bug: the caller's catch answers it with a 500.
      if (!(error instanceof JsonBodyError)) throw error;
      return reject(exchange, error.problem === 'depth' ? ERRORS.TOO_DEEP : ERRORS.BAD_JSON, error.message);
    }
    const problem = admissionReviewProblem(body);
    if (problem !== undefined) return reject(exchange, ERRORS.BAD_REVIEW, problem);
    // Timed from here: the histogram measures deciding and answering a review, not reading it.
    const started = process.hrtime.bigint();
    const runtime = deps.runtime();
    const decided = handleReview(
      body as AdmissionReview,
      exchange.endpoint,
      runtime,
      deps.rewriteOptions?.(),
    );
    // Only a review whose references are being verified waits; the rest are answered in this turn.
    if (decided instanceof Promise) {
      decided.then(
        (result) => answer(exchange, result, runtime, started),
        (error: unknown) => fail(exchange, error),
      );
      return;
    }
    answer(exchange, decided, runtime, started);
  };

  const handle = (endpoint: Endpoint, request: IncomingMessage, response: ServerResponse): void => {
    requests += 1;
    const exchange: Exchange = { endpoint, response, id: requests, received: process.hrtime.bigint() };
    const mediaType = mediaTypeOf(request);
    if (mediaType !== 'application/json') {
      if (mediaType === undefined && announcesNoBody(request)) return reject(exchange, ERRORS.EMPTY_BODY);
      return reject(exchange, ERRORS.UNSUPPORTED_MEDIA_TYPE, undefined, true);
    }
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > deps.bodyLimit) {
      return reject(exchange, ERRORS.BODY_TOO_LARGE, undefined, true);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= deps.bodyLimit) {
        chunks.push(chunk);
        return;
      }
      // Chunked, or longer than announced: stop keeping it, answer, and close the connection.
      request.removeListener('data', onData);
      request.removeListener('end', onEnd);
      chunks.length = 0;
      reject(exchange, ERRORS.BODY_TOO_LARGE, undefined, true);
    };
    const onEnd = (): void => {
      try {
        decide(exchange, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      } catch (error) {
        fail(exchange, error);
      }
    };
    request.on('data', onData);
    request.on('end', onEnd);
    // A client that goes away mid-body has no one to answer; the socket is already closing.
    request.on('error', () => undefined);
  };

  return {
    handle,
    startClosing: () => {
      closing = true;
    },
  };
}
