import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { choiceFlag, intFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { loadConfigFile } from '../config/load-config-file';
import { formatZodError } from '../config/format-zod-error';
import { resolveConfig, type ConfigOverrides } from '../config/resolve-config';
import { BACKENDS, configFileSchema, type ConfigFile, type ResolvedConfig } from '../config/schema';
import { CliError, EXIT, usageError } from '../errors';
import type { CliIO } from '../io';
import { disposeMethod, type MethodEntry } from '../methods/method-entry';
import { availableMethods, findMethod, METHODS } from '../methods/registry';
import { evaluateRun } from '../run/evaluate-run';
import { formatDuration, pct } from '../run/format';
import { runPretraining } from '../run/pretrain-run';
import {
  checkRunFolder,
  configToYaml,
  newRunFolder,
  readRunConfig,
  RUN_FILES,
} from '../run/run-folder';

/** `selfsup pretrain --help`. */
export function pretrainHelp(): string {
  const list = METHODS.map(
    (m) =>
      `  ${m.name.padEnd(14)}${m.title}${m.cls ? '' : '  (not in this build of @selfsup/vision yet)'}`,
  ).join('\n');
  return `Usage: selfsup pretrain <method> [--config file.yaml|json] [options]
       selfsup pretrain --resume <run-dir> [--steps n]

Pretrains an encoder with a self-supervised method, then scores it (kNN and linear probe beside
raw-pixel and random-init baselines) and writes a run folder:
  <runs>/<method>-<timestamp>/config.yaml  metrics.jsonl  checkpoints/  results.json  report.html

Methods:
${list}

Options:
  --config <file>        YAML or JSON config (see the README); defaults come from the method's paper
  --data <source>        mnist | fashion-mnist | folder:<path> (class subfolders)
  --epochs <n>           passes over the training images
  --steps <n>            optimizer steps (alone, it replaces epochs)
  --minutes <m>          time budget: lr on a cosine over the time, stop when it is spent
  --batch-size <n>       images per step
  --backend <name>       auto | tensorflow | wasm | cpu (default auto)
  --seed <n>             seed of every random draw (default 0)
  --resume <run-dir>     continue a stopped run from its newest checkpoint, in the same folder
  --run-dir <dir>        write the run into this folder instead of <runs>/<method>-<timestamp>
  --runs-dir <dir>       parent folder of new run folders (default runs)
  --stop-after <n>       stop after n steps as an interruption would (resume later with --resume)
  --no-eval              skip the evaluation and the report
  --print-config         print the fully resolved config as YAML and exit
  -h, --help             this help

Examples:
  selfsup pretrain simclr --data mnist --minutes 5
  selfsup pretrain byol --config configs/byol-cifar.yaml --backend wasm
  selfsup pretrain simclr --print-config > my.yaml
  selfsup pretrain --resume runs/simclr-20250101-120000

Exit codes: 0 success, 1 failure during the run, 2 bad usage or config, 130 interrupted (Ctrl-C).`;
}

/** The method named on the command line or in the config, checked. */
function pickMethod(
  positional: string | undefined,
  fromConfig: string | undefined,
  where: string,
): MethodEntry {
  if (positional && fromConfig && findMethod(positional) !== findMethod(fromConfig)) {
    throw usageError(
      `the method ${JSON.stringify(positional)} differs from ${where}'s method ${JSON.stringify(fromConfig)}`,
      'give one of them',
    );
  }
  const name = positional ?? fromConfig;
  if (!name) {
    throw usageError(
      'selfsup pretrain: name a method',
      `one of: ${availableMethods()
        .map((m) => m.name)
        .join(', ')}`,
    );
  }
  const entry = findMethod(name);
  if (!entry) {
    throw usageError(
      `unknown method ${JSON.stringify(name)}`,
      `available methods: ${availableMethods()
        .map((m) => m.name)
        .join(', ')}`,
    );
  }
  if (!entry.cls) {
    throw usageError(
      `method ${entry.name} (${entry.title}) is not available: this build of @selfsup/vision does not export ${entry.className}`,
      `available methods: ${availableMethods()
        .map((m) => m.name)
        .join(', ')}`,
    );
  }
  return entry;
}

/** Reads a resumed run's config.yaml as a config file. */
async function runConfigAsFile(runDir: string): Promise<ConfigFile> {
  const raw = await readRunConfig(runDir);
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw usageError(
      `invalid ${path.join(runDir, RUN_FILES.config)}:\n  ${formatZodError(parsed.error, raw, 'config', configFileSchema).join('\n  ')}`,
    );
  }
  return parsed.data;
}

/** Parses the shared run flags into config overrides. */
export function overridesFrom(
  values: Record<string, string | boolean | undefined>,
): ConfigOverrides {
  const data = stringFlag(values.data);
  if (
    data !== undefined &&
    !(
      data === 'mnist' ||
      data === 'fashion-mnist' ||
      (data.startsWith('folder:') && data.length > 7)
    )
  ) {
    throw usageError(
      `--data: expected mnist, fashion-mnist or folder:<path>, received ${JSON.stringify(data)}`,
    );
  }
  return {
    data,
    epochs: intFlag('epochs', values.epochs),
    steps: intFlag('steps', values.steps),
    minutes: numberFlag('minutes', values.minutes),
    batchSize: intFlag('batch-size', values['batch-size'], 2),
    backend: choiceFlag('backend', values.backend, BACKENDS),
    seed: intFlag('seed', values.seed, 0),
    runsDir: stringFlag(values['runs-dir']),
  };
}

/** Flags of the commands that run pretraining (pretrain and demo share most). */
export const RUN_FLAGS = {
  data: { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  minutes: { type: 'string' },
  'batch-size': { type: 'string' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  'run-dir': { type: 'string' },
  'runs-dir': { type: 'string' },
  'print-config': { type: 'boolean' },
} as const;

/** A folder that already holds a run cannot take a new one. */
async function checkFreshRunDir(dir: string): Promise<void> {
  const ckpts = await fs.readdir(path.join(dir, RUN_FILES.checkpoints)).catch(() => [] as string[]);
  if (ckpts.length > 0) {
    throw usageError(
      `run folder ${dir} already holds a run`,
      `resume it with \`selfsup pretrain --resume ${dir}\`, or give another --run-dir`,
    );
  }
}

/**
 * `selfsup pretrain`: resolves the config, pretrains, evaluates, prints a one-line summary.
 *
 * @example
 * ```ts
 * const code = await pretrainCommand(['simclr', '--steps', '10', '--data', 'mnist'], processIO());
 * ```
 */
export async function pretrainCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'pretrain',
    args,
    {
      ...RUN_FLAGS,
      config: { type: 'string' },
      resume: { type: 'string' },
      'stop-after': { type: 'string' },
      'no-eval': { type: 'boolean' },
    },
    1,
  );
  if (values.help) {
    io.out(pretrainHelp());
    return EXIT.ok;
  }
  const overrides = overridesFrom(values);
  const stopAfter = intFlag('stop-after', values['stop-after']);
  const resumeDir = stringFlag(values.resume);
  const configPath = stringFlag(values.config);
  let config: ResolvedConfig;
  let runDir: string;
  if (resumeDir !== undefined) {
    if (configPath !== undefined)
      throw usageError(
        'give --config or --resume, not both',
        'a resumed run keeps the config.yaml of its folder',
      );
    if (values['run-dir'] !== undefined)
      throw usageError('give --run-dir or --resume, not both', '--resume reuses the run folder');
    await checkRunFolder(resumeDir);
    const file = await runConfigAsFile(resumeDir);
    const fromRun = typeof file.method === 'string' ? file.method : file.method?.name;
    const entry = pickMethod(positionals[0], fromRun, path.join(resumeDir, RUN_FILES.config));
    config = resolveConfig(
      entry,
      file,
      resumeDir,
      overrides,
      path.join(resumeDir, RUN_FILES.config),
    );
    runDir = resumeDir;
  } else {
    const file = configPath !== undefined ? await loadConfigFile(configPath) : undefined;
    const fromFile =
      typeof file?.config.method === 'string' ? file.config.method : file?.config.method?.name;
    const entry = pickMethod(positionals[0], fromFile, configPath ?? 'the config');
    config = resolveConfig(
      entry,
      file?.config,
      file?.dir ?? process.cwd(),
      overrides,
      configPath !== undefined ? `config file ${configPath}` : 'config',
    );
    runDir = '';
  }
  if (values['print-config']) {
    io.out(configToYaml(config).trimEnd());
    return EXIT.ok;
  }
  if (resumeDir === undefined) {
    const given = stringFlag(values['run-dir']);
    if (given !== undefined) {
      await checkFreshRunDir(given);
      await fs.mkdir(given, { recursive: true });
      runDir = given;
    } else {
      runDir = await newRunFolder(config.runsDir, String(config.method.name));
    }
  }
  io.err(`run folder: ${runDir}`);
  const outcome = await runPretraining({
    config,
    runDir,
    resume: resumeDir !== undefined,
    io,
    stopAfter,
  });
  try {
    const { summary, entry } = outcome;
    if (outcome.interrupted) {
      io.out(
        `${entry.name}: stopped at step ${summary.steps} of ${outcome.plannedSteps}; checkpoint ${summary.lastCheckpoint ?? '(none)'}. ` +
          `Resume with: selfsup pretrain --resume ${runDir}`,
      );
      return stopAfter !== undefined && summary.steps >= stopAfter ? EXIT.ok : EXIT.interrupted;
    }
    const head = `${entry.name}: ${summary.steps} steps, ${formatDuration(summary.seconds)}, final loss ${summary.finalLoss.toFixed(4)}`;
    if (values['no-eval']) {
      io.out(`${head} | run ${runDir}`);
      return EXIT.ok;
    }
    const title = `${entry.title} on ${outcome.data.source}`;
    let ev;
    try {
      ev = await evaluateRun({
        encoder: outcome.method.encoder,
        data: outcome.data,
        config,
        runDir,
        title,
        encoderName: `${entry.title} encoder`,
        subtitle: `${config.encoder.name} encoder, ${summary.steps} steps of batch ${config.train.batchSize}, ${outcome.backend} backend`,
        extra: {
          method: entry.name,
          data: outcome.data.source,
          steps: summary.steps,
          pretrainSeconds: summary.seconds,
          finalLoss: summary.finalLoss,
        },
        log: io.err,
      });
    } catch (e) {
      throw new CliError(
        `evaluation failed: ${(e as Error).message}`,
        EXIT.failure,
        `the pretrained encoder is saved in ${runDir}; retry with \`selfsup eval knn --run ${runDir}\``,
      );
    }
    const base = (
      b?: { knnTop1?: number; linearTop1?: number },
      k: 'knnTop1' | 'linearTop1' = 'knnTop1',
    ) => (b ? pct(b[k]) : undefined);
    const vs = (k: 'knnTop1' | 'linearTop1') =>
      ev.rawPixels
        ? ` (raw pixels ${base(ev.rawPixels, k)}, random init ${base(ev.randomInit, k)})`
        : '';
    io.out(
      `${head} | kNN ${pct(ev.ssl.knnTop1)}${vs('knnTop1')}` +
        (config.eval.probe ? ` | linear ${pct(ev.ssl.linearTop1)}${vs('linearTop1')}` : '') +
        ` | report ${ev.reportPath}`,
    );
    return EXIT.ok;
  } finally {
    disposeMethod(outcome.method);
  }
}
