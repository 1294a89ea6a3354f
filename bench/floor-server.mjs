/**
 * The floor: the least any fastify HTTPS webhook pays per review. It parses the AdmissionReview body
 * with fastify's own JSON parser (as pullthrough does), under the same body limit, and answers with
 * a fixed allowed response. No schema, no logging, no metrics, no work.
 *
 *   node bench/floor-server.mjs --host 127.0.0.1 --port N [--body-limit BYTES] [--tls-cert F --tls-key F]
 *
 * The bench gives it the certificate files it gives pullthrough, so both load the same key and
 * negotiate the same TLS suite. Without them it makes a self-signed ECDSA P-256 certificate (the key
 * type pullthrough's self-signed path uses), loading `selfsigned` only then.
 */
import Fastify from 'fastify';
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    // pullthrough's DEFAULT_BODY_LIMIT (src/http/app.ts); run.mjs passes the built value.
    'body-limit': { type: 'string', default: String(3 * 1024 * 1024) },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
});

async function certificate() {
  if (values['tls-cert'] !== undefined && values['tls-key'] !== undefined) {
    return { cert: readFileSync(values['tls-cert']), private: readFileSync(values['tls-key']) };
  }
  const { generate } = await import('selfsigned');
  return generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
}
const pems = await certificate();

const app = Fastify({
  logger: false,
  https: { key: pems.private, cert: pems.cert },
  bodyLimit: Number(values['body-limit']),
});

const answer = (request, reply) => {
  const review = request.body;
  return reply.send({
    apiVersion: review.apiVersion,
    kind: review.kind,
    response: { uid: review.request.uid, allowed: true },
  });
};
app.post('/mutate', answer);
app.post('/audit', answer);
app.get('/readyz', (_request, reply) => reply.send({ status: 'ready' }));

await app.listen({ host: values.host, port: Number(values.port) });

const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
