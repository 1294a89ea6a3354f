import { expect, it } from 'vitest';
import { useChart } from './render.js';

const chart = useChart();

it.each([
  ['the default values', {}],
  ['cert-manager', { certManager: { enabled: true } }],
  ['opt-in scope in audit mode', { scope: 'opt-in', mode: 'audit' }],
  ['an external webhook URL', { webhook: { url: 'https://127.0.0.1:8443', caBundle: 'Zm9v' } }],
  ['the ServiceMonitor', { serviceMonitor: { enabled: true } }],
  ['secret sync', { secretSync: { enabled: true } }],
  [
    'verification with mounted credentials',
    { verifyCredentialsSecret: 'regcred-harbor', config: { verify: { enabled: true } } },
  ],
  [
    'verification with credentials read through the API',
    {
      config: {
        verify: { enabled: true, credentialsSecret: { namespace: 'creds', name: 'regcred-harbor' } },
      },
    },
  ],
])('helm lint --strict passes with %s', async (_name, values) => {
  expect(await chart.lint(values)).toContain('0 chart(s) failed');
});
