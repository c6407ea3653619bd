import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { CliError, EXIT } from '../errors';
import type { ResolvedConfig } from '../config/schema';

/** The files of a run folder. */
export const RUN_FILES = {
  config: 'config.yaml',
  run: 'run.json',
  metrics: 'metrics.jsonl',
  results: 'results.json',
  report: 'report.html',
  checkpoints: 'checkpoints',
} as const;

/** `run.json`: what a resumed session must reuse (the planned length of the run). */
export interface RunInfo {
  method: string;
  createdAt: string;
  plannedSteps: number;
  stepsPerEpoch: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A fresh run folder `<runsDir>/<method>-<YYYYMMDD-HHMMSS>` (with `-2`, `-3`, ... if taken),
 * created.
 *
 * @example
 * ```ts
 * await newRunFolder('runs', 'simclr'); // 'runs/simclr-20250101-120000'
 * ```
 */
export async function newRunFolder(
  runsDir: string,
  method: string,
  now = new Date(),
): Promise<string> {
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  await fs.mkdir(runsDir, { recursive: true });
  for (let i = 1; ; i++) {
    const dir = path.join(runsDir, `${method}-${stamp}${i > 1 ? `-${i}` : ''}`);
    try {
      await fs.mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * The resolved configuration as YAML, with a header saying what it is.
 *
 * @example
 * ```ts
 * process.stdout.write(configToYaml(config));
 * ```
 */
export function configToYaml(config: ResolvedConfig): string {
  return `# selfsup resolved configuration (method: ${String(config.method.name)})\n${YAML.stringify(config, { lineWidth: 0 })}`;
}

/** Writes `config.yaml` into a run folder. */
export async function writeRunConfig(runDir: string, config: ResolvedConfig): Promise<void> {
  await fs.writeFile(path.join(runDir, RUN_FILES.config), configToYaml(config));
}

/** Checks that a folder is a selfsup run folder, with an error that says what is missing. */
export async function checkRunFolder(
  runDir: string,
  need: 'config' | 'checkpoint' = 'config',
): Promise<void> {
  const stat = await fs.stat(runDir).catch(() => null);
  if (!stat?.isDirectory()) {
    throw new CliError(
      `run folder ${runDir} not found`,
      EXIT.usage,
      'give a folder made by `selfsup pretrain` (runs/<method>-<timestamp>)',
    );
  }
  const file = path.join(runDir, RUN_FILES.config);
  if (!(await fs.stat(file).catch(() => null))) {
    throw new CliError(
      `${runDir} is not a selfsup run folder (no ${RUN_FILES.config})`,
      EXIT.usage,
      'give a folder made by `selfsup pretrain`',
    );
  }
  if (need === 'checkpoint') {
    const ckpts = await fs
      .readdir(path.join(runDir, RUN_FILES.checkpoints))
      .catch(() => [] as string[]);
    if (ckpts.length === 0) {
      throw new CliError(
        `${runDir} holds no checkpoint yet`,
        EXIT.usage,
        'let `selfsup pretrain` run until its first checkpoint (train.checkpointEvery), or resume it with --resume',
      );
    }
  }
}

/** Reads a run folder's `config.yaml` (unvalidated; the caller checks it). */
export async function readRunConfig(runDir: string): Promise<Record<string, unknown>> {
  const file = path.join(runDir, RUN_FILES.config);
  const text = await fs.readFile(file, 'utf8');
  const raw = YAML.parse(text) as unknown;
  if (raw === null || typeof raw !== 'object')
    throw new CliError(`${file}: expected a mapping`, EXIT.usage);
  return raw as Record<string, unknown>;
}

/** Reads `run.json`, or undefined. */
export async function readRunInfo(runDir: string): Promise<RunInfo | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8')) as RunInfo;
  } catch {
    return undefined;
  }
}

/** Writes `run.json`. */
export async function writeRunInfo(runDir: string, info: RunInfo): Promise<void> {
  await fs.writeFile(path.join(runDir, RUN_FILES.run), `${JSON.stringify(info, null, 2)}\n`);
}

/** Reads `results.json`, or an empty object. */
export async function readResults(runDir: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.results), 'utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

/** Merges `patch` into `results.json` (top-level keys) and returns the file's path. */
export async function updateResults(
  runDir: string,
  patch: Record<string, unknown>,
): Promise<string> {
  const file = path.join(runDir, RUN_FILES.results);
  const next = { ...(await readResults(runDir)), ...patch };
  await fs.writeFile(file, `${JSON.stringify(next, null, 2)}\n`);
  return file;
}
