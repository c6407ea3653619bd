import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { usageError } from '../errors';
import { formatZodError } from './format-zod-error';
import { configFileSchema, type ConfigFile } from './schema';

/** A config file read and checked, with the folder its relative paths are resolved against. */
export interface LoadedConfigFile {
  file: string;
  dir: string;
  config: ConfigFile;
}

/**
 * Reads a `.yaml`/`.yml` or `.json` config file and checks it against the config schema. Every
 * problem is a usage error (exit code 2) naming the file and the key: a missing file, a syntax
 * error with its line, `config.optimizer.lr: expected number, received string ("0.1")`, an
 * unknown key.
 *
 * @example
 * ```ts
 * const { config } = await loadConfigFile('configs/simclr-mnist.yaml');
 * ```
 */
export async function loadConfigFile(file: string): Promise<LoadedConfigFile> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      code === 'ENOENT'
        ? `config file ${file} not found`
        : `cannot read config file ${file}: ${(e as Error).message}`,
      'check the path given to --config',
    );
  }
  let raw: unknown;
  const ext = path.extname(abs).toLowerCase();
  try {
    if (ext === '.json') raw = JSON.parse(text);
    else {
      const doc = YAML.parseDocument(text, { prettyErrors: true });
      if (doc.errors.length > 0) throw doc.errors[0];
      raw = doc.toJS();
    }
  } catch (e) {
    throw usageError(
      `config file ${file} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw usageError(
      `config file ${file}: expected a mapping of sections (method, data, train, ...), received ${Array.isArray(raw) ? 'a list' : typeof raw}`,
    );
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = formatZodError(parsed.error, raw, 'config', configFileSchema);
    throw usageError(
      `invalid config file ${file}:\n  ${lines.join('\n  ')}`,
      'fix these keys, or print the valid ones with `selfsup pretrain <method> --print-config`',
    );
  }
  return { file: abs, dir: path.dirname(abs), config: parsed.data };
}
