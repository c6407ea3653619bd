import * as path from 'node:path';
import { usageError } from '../errors';
import type { MethodEntry } from '../methods/method-entry';
import { formatZodError } from './format-zod-error';
import { resolvedConfigSchema, type ConfigFile, type ResolvedConfig } from './schema';

/** Values given on the command line; they override the config file. */
export interface ConfigOverrides {
  data?: string;
  epochs?: number;
  steps?: number;
  minutes?: number;
  batchSize?: number;
  backend?: ResolvedConfig['backend'];
  seed?: number;
  runsDir?: string;
}

type Plain = Record<string, unknown>;

function merge(base: Plain, over: Plain | undefined): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] =
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      b !== null &&
      typeof b === 'object' &&
      !Array.isArray(b)
        ? merge(b as Plain, v as Plain)
        : v;
  }
  return out;
}

/** `folder:<relative>` resolved against `dir`; other sources unchanged. */
export function absoluteSource(source: string, dir: string): string {
  return source.startsWith('folder:')
    ? `folder:${path.resolve(dir, source.slice('folder:'.length))}`
    : source;
}

/**
 * The defaults of a method on a data source: the paper's hyperparameters and optimizer (read from
 * the method class), the augmentation recipe of the paper, and CLI defaults for the rest.
 *
 * @example
 * ```ts
 * methodDefaults(findMethod('simclr')!, 'mnist').optimizer; // { name: 'lars', lr: 0.3, ... }
 * ```
 */
export function methodDefaults(entry: MethodEntry, source: string): ResolvedConfig {
  const recipe = entry.recipe();
  const mnistLike = source === 'mnist' || source === 'fashion-mnist';
  return {
    method: { name: entry.name, ...entry.defaults() },
    seed: 0,
    backend: 'auto',
    encoder: { name: 'smallConvNet' },
    data: {
      source,
      limit: null,
      imageSize: mnistLike ? 28 : 32,
      channels: mnistLike ? 1 : 3,
      heldOutFraction: 0.2,
    },
    augment: {
      recipe: entry.views,
      minScale: null,
      // Mirrored digits are other symbols; clothes and photos may flip.
      flip: source === 'mnist' ? 0 : 0.5,
      blur: null,
      jitterStrength: 0.5,
      localCrops: 8,
      localSize: null,
    },
    train: {
      batchSize: 256,
      epochs: 10,
      steps: null,
      minutes: null,
      gradAccumulation: 1,
      clipNorm: entry.trainDefaults?.clipNorm ?? null,
      checkpointEvery: 500,
      keepCheckpoints: 3,
      logEvery: 10,
      progressEvery: 50,
    },
    optimizer: {
      name: recipe.optimizer,
      lr: recipe.baseLearningRate,
      lrScaling: recipe.learningRateScaling,
      weightDecay: recipe.weightDecay,
      momentum: recipe.momentum ?? 0.9,
      trustCoefficient: recipe.trustCoefficient ?? 0.001,
      beta2: recipe.beta2 ?? 0.999,
      warmupEpochs: recipe.warmupEpochs,
      warmupSteps: null,
      finalLrFactor: recipe.finalLearningRateFactor ?? 0,
    },
    eval: {
      trainSize: 10_000,
      testSize: 2_000,
      knn: { k: 20, temperature: 0.07 },
      probe: true,
      baselines: true,
      mapPoints: 1000,
    },
    runsDir: 'runs',
  };
}

/**
 * The fully resolved configuration of a run: the method's defaults, overridden by the config
 * file (relative folder paths resolved against the file's folder), overridden by the command
 * line. The method's hyperparameters are checked with its own schema; any problem is a usage
 * error naming the key.
 *
 * @example
 * ```ts
 * const config = resolveConfig(findMethod('simclr')!, file?.config, file?.dir ?? process.cwd(), { steps: 100 });
 * ```
 */
export function resolveConfig(
  entry: MethodEntry,
  file: ConfigFile | undefined,
  fileDir: string,
  overrides: ConfigOverrides = {},
  where = 'config',
): ResolvedConfig {
  const fileSource =
    file?.data?.source !== undefined ? absoluteSource(file.data.source, fileDir) : undefined;
  const source =
    overrides.data !== undefined
      ? absoluteSource(overrides.data, process.cwd())
      : (fileSource ?? 'mnist');
  const defaults = methodDefaults(entry, source);
  const fileMethod = typeof file?.method === 'string' ? {} : { ...(file?.method ?? {}) };
  delete (fileMethod as Plain).name;
  const methodCheck = entry.options.safeParse(fileMethod);
  if (!methodCheck.success) {
    throw usageError(
      `invalid ${where}:\n  ${formatZodError(methodCheck.error, fileMethod, 'config.method', entry.options).join('\n  ')}`,
      `${entry.title} takes: ${Object.keys(entry.options.shape).join(', ')}`,
    );
  }
  const { method: _m, ...fileRest } = file ?? {};
  void _m;
  let merged = merge(defaults as unknown as Plain, fileRest as Plain);
  merged.method = { ...defaults.method, ...methodCheck.data, name: entry.name };
  (merged.data as Plain).source = source;
  merged = merge(merged, {
    seed: overrides.seed,
    backend: overrides.backend,
    runsDir: overrides.runsDir,
    train: {
      epochs: overrides.epochs,
      steps: overrides.steps,
      minutes: overrides.minutes,
      batchSize: overrides.batchSize,
      ...(overrides.steps !== undefined && overrides.epochs === undefined ? { epochs: null } : {}),
    },
  });
  // The encoder's own defaults, so that the resolved config shows them.
  const enc = merged.encoder as Plain;
  if (enc.name === 'smallConvNet') enc.widths ??= [32, 64, 128, 256];
  if (enc.name === 'resnet') {
    enc.depth ??= 18;
    enc.cifarStem ??= ((merged.data as Plain).imageSize as number) <= 64;
  }
  if (enc.name === 'vit') {
    enc.size ??= 'tiny';
    enc.patchSize ??= 4;
  }
  const result = resolvedConfigSchema.safeParse(merged);
  if (!result.success) {
    throw usageError(
      `invalid ${where}:\n  ${formatZodError(result.error, merged, 'config', resolvedConfigSchema).join('\n  ')}`,
    );
  }
  const config = result.data;
  if ((source === 'mnist' || source === 'fashion-mnist') && config.data.channels !== 1) {
    throw usageError(
      `invalid ${where}:\n  config.data.channels: ${source} is grayscale, expected 1, received ${config.data.channels}`,
    );
  }
  if (
    config.train.epochs === null &&
    config.train.steps === null &&
    config.train.minutes === null
  ) {
    throw usageError(
      `invalid ${where}:\n  config.train: give epochs, steps or minutes (all are null)`,
    );
  }
  return config;
}
