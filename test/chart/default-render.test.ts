/**
 * What the chart renders by default, and with the pull-secret sync on, as one reviewed snapshot:
 * any change to a rendered object shows up in the diff of __snapshots__/. Objects are compared
 * parsed and in a stable order, so moving a template between files changes nothing.
 */
import { expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Manifest, useChart } from './render.js';

const chart = useChart();

const key = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
const snapshot = (manifests: Manifest[]): string =>
  stringify(
    [...manifests].sort((a, b) => key(a).localeCompare(key(b))),
    { lineWidth: 0 },
  );

it.each([
  ['default', {}],
  ['secret-sync', { secretSync: { enabled: true } }],
])('renders the %s values as reviewed', async (name, values) => {
  const manifests = await chart.render({ values, kubeVersion: '1.34.0' });
  await expect(snapshot(manifests)).toMatchFileSnapshot(`__snapshots__/${name}.yaml`);
});
