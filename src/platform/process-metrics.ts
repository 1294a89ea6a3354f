/**
 * What every pullthrough process exports besides its own metrics: Node's default metrics under
 * their conventional names (`process_*`, `nodejs_*`, as standard dashboards and alerts expect)
 * and `pullthrough_build_info{version,node} 1`.
 */
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import { VERSION } from './version.js';

export function registerProcessMetrics(registry: Registry, options: { defaultMetrics?: boolean } = {}): void {
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'pullthrough_build_info',
    help: 'Always 1; the labels say which pullthrough release and which Node.js runtime this process is.',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
  }).set({ version: VERSION, node: process.version }, 1);
}

/**
 * Sets every given label combination of a counter to zero, so its series exist from start and
 * `rate()` and `increase()` work before the first event.
 */
export function zeroCounter<T extends string>(
  counter: { inc(labels: Partial<Record<T, string>>, value: number): void },
  combinations: Iterable<Partial<Record<T, string>>>,
): void {
  for (const labels of combinations) counter.inc(labels, 0);
}

/** Every combination of the given label values (a small cartesian product). */
export function labelCombinations<T extends string>(
  values: Readonly<Record<T, readonly string[]>>,
): Array<Record<T, string>> {
  let combinations: Array<Record<string, string>> = [{}];
  for (const [name, options] of Object.entries(values) as Array<[T, readonly string[]]>) {
    combinations = combinations.flatMap((partial) => options.map((value) => ({ ...partial, [name]: value })));
  }
  return combinations;
}
