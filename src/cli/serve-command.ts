/** `pullthrough serve`: runs the webhook until SIGTERM or SIGINT. */
import { createLogger, flushLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { startServer } from '../server/start-server.js';
import { TlsConfigError } from '../server/create-tls-source.js';
import { enumFlag, integerFlag, parseFlags } from './flags.js';
import type { CommandIo } from './io.js';
import { listenErrorMessage, TLS_FILES_HINT } from './startup-errors.js';
import { untilSignal } from './until-signal.js';

export const serveHelp = `Usage: pullthrough serve [options]

Runs the admission webhook: POST /mutate and /audit (AdmissionReview admission.k8s.io/v1),
GET /healthz, /readyz and /metrics, all over HTTPS (TLS 1.2+; there is no plaintext port).

With no options: the embedded default configuration (docker.io -> harbor.ingress.local/proxy_cache,
pull secret regcred-harbor) on https://0.0.0.0:8443 with a self-signed certificate for localhost
and 127.0.0.1, its CA written to a file whose path is logged.

Options:
  -c, --config FILE          configuration file, validated at start and hot-reloaded on change
      --host ADDR            listen address (default 0.0.0.0)
  -p, --port N               HTTPS port (default 8443)
      --tls-cert FILE        serving certificate (PEM), hot-reloaded; needs --tls-key
      --tls-key FILE         its private key (PEM)
      --tls-dns NAME         extra DNS (or IP) name for a self-signed or self-managed certificate;
                             repeatable
      --tls-ca-out FILE      where the self-signed CA is written (default $TMPDIR/pullthrough-ca-<port>.crt)
      --cert-secret NAME     self-managed certificates kept in Secret NAME (shared by all replicas)
      --webhook-config NAME  MutatingWebhookConfiguration whose caBundle is kept current
      --namespace NS         namespace of the Secret and Service (default $POD_NAMESPACE)
      --service NAME         Service name; the certificate covers NAME, NAME.NS, NAME.NS.svc
      --log-level LEVEL      ${LOG_LEVELS.join(', ')} (default info)
      --shutdown-delay SECS  on SIGTERM, fail /readyz this long before closing (default 0)
      --drain-timeout SECS   on SIGTERM, wait this long for in-flight reviews (default 25)
  -h, --help                 show this help

Exactly one certificate path is taken: files when --tls-cert is given; self-managed when
--cert-secret is given; otherwise self-signed.
`;

/** Runs until a signal arrives; returns the exit status. */
export async function runServe(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags({
    args: [...args],
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', short: 'p' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-dns': { type: 'string', multiple: true },
      'tls-ca-out': { type: 'string' },
      'cert-secret': { type: 'string' },
      'webhook-config': { type: 'string' },
      namespace: { type: 'string' },
      service: { type: 'string' },
      'log-level': { type: 'string' },
      'shutdown-delay': { type: 'string' },
      'drain-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(serveHelp);
    return 0;
  }
  const level = enumFlag<LogLevel>('--log-level', values['log-level'], LOG_LEVELS, 'info');
  const port = integerFlag('--port', values.port, { fallback: 8443, min: 0, max: 65_535 });
  const shutdownDelayMs =
    integerFlag('--shutdown-delay', values['shutdown-delay'], { fallback: 0, min: 0, max: 300 }) * 1000;
  const drainTimeoutMs =
    integerFlag('--drain-timeout', values['drain-timeout'], { fallback: 25, min: 0, max: 300 }) * 1000;
  const logger = createLogger({ level });

  let server;
  try {
    server = await startServer({
      configPath: values.config,
      host: values.host,
      port,
      logger,
      shutdownDelayMs,
      drainTimeoutMs,
      tls: {
        tlsCert: values['tls-cert'],
        tlsKey: values['tls-key'],
        tlsDns: values['tls-dns'] ?? [],
        tlsCaOut: values['tls-ca-out'],
        certSecret: values['cert-secret'],
        webhookConfig: values['webhook-config'],
        namespace: values.namespace ?? process.env.POD_NAMESPACE,
        service: values.service,
      },
    });
  } catch (error) {
    if (error instanceof TlsConfigError) {
      io.stderr.write(`pullthrough serve: ${error.message}; ${TLS_FILES_HINT}\n`);
      return 2;
    }
    const listen = listenErrorMessage(error, { host: values.host, port, portFlag: '--port' });
    if (listen !== undefined) {
      io.stderr.write(`pullthrough serve: ${listen}\n`);
      return 2;
    }
    throw error;
  } finally {
    flushLogger(logger);
  }

  const running = server;
  return untilSignal(logger, () => running.close());
}
