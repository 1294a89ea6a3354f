/** Reading the configuration file; the only module that touches it on disk. */
import { readFile } from 'node:fs/promises';
import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from './config.js';

/** Loads and validates a configuration file, or the embedded default when no path is given. */
export async function loadConfig(path: string | undefined): Promise<Config> {
  if (path === undefined) return DEFAULT_CONFIG;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${reason}` }]);
  }
  return parseConfig(text, path);
}
