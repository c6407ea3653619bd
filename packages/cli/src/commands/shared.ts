import * as path from 'node:path';
import { initBackend } from '@selfsup/core';
import { formatZodError } from '../config/format-zod-error';
import { resolveConfig, type ConfigOverrides } from '../config/resolve-config';
import { configFileSchema, type ResolvedConfig } from '../config/schema';
import { CliError, EXIT, usageError } from '../errors';
import type { CliIO } from '../io';
import { findMethod } from '../methods/registry';
import { readRunConfig, RUN_FILES } from '../run/run-folder';

/**
 * The resolved config of an existing run folder (its config.yaml), with command-line overrides.
 *
 * @example
 * ```ts
 * const config = await runFolderConfig('runs/simclr-1', { data: 'fashion-mnist' });
 * ```
 */
export async function runFolderConfig(
  runDir: string,
  overrides: ConfigOverrides = {},
): Promise<ResolvedConfig> {
  const raw = await readRunConfig(runDir);
  const file = path.join(runDir, RUN_FILES.config);
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success)
    throw usageError(
      `invalid ${file}:\n  ${formatZodError(parsed.error, raw, 'config', configFileSchema).join('\n  ')}`,
    );
  const name =
    typeof parsed.data.method === 'string' ? parsed.data.method : parsed.data.method?.name;
  const entry = name ? findMethod(name) : undefined;
  if (!entry) throw usageError(`${file}: unknown method ${JSON.stringify(name)}`);
  return resolveConfig(entry, parsed.data, runDir, overrides, file);
}

/** Selects the backend, with a failure that says what to do. */
export async function startBackend(
  preference: ResolvedConfig['backend'],
  io: CliIO,
): Promise<string> {
  try {
    // 'auto' lets SELFSUP_BACKEND decide when it is set.
    const info = await initBackend(preference === 'auto' ? undefined : preference);
    io.err(`backend ${info.name}: ${info.reason}`);
    return info.name;
  } catch (e) {
    throw new CliError(
      `backend ${preference}: ${(e as Error).message}`,
      EXIT.failure,
      'choose another with --backend auto|wasm|cpu',
    );
  }
}
