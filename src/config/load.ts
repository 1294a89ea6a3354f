/** Reading the configuration file; the only module that touches it on disk. */
import { readFile } from 'node:fs/promises';
import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from './config.js';

export interface LoadedConfig {
  readonly config: Config;
  /**
   * The text the configuration was parsed from (`undefined` for the embedded default): the file
   * watcher starts from it, so a change made right after this read is seen as a change.
   */
  readonly text: string | undefined;
}

/** Loads and validates a configuration file, or the embedded default when no path is given. */
export async function loadConfig(path: string | undefined): Promise<LoadedConfig> {
  if (path === undefined) return { config: DEFAULT_CONFIG, text: undefined };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${reason}` }]);
  }
  return { config: parseConfig(text, path), text };
}
