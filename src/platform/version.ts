/** The version users report: package.json's, read once (src/platform/ and dist/platform/ sit two levels down). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const { version } = JSON.parse(text) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    // A copied dist/ without its package.json still runs; it just cannot say which release it is.
    return 'unknown';
  }
}

export const VERSION = readVersion();

/** `pullthrough 0.1.0 (node v24.3.0)`: what --version prints. */
export function versionLine(): string {
  return `pullthrough ${VERSION} (node ${process.version})\n`;
}
