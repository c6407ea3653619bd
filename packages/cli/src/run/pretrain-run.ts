import * as tf from '@tensorflow/tfjs';
import {
  createRng,
  disposeElement,
  initBackend,
  Trainer,
  type Callback,
  type FitSummary,
  type SSLMethod,
} from '@selfsup/core';
import type { ResolvedConfig } from '../config/schema';
import { viewsDataset } from '../data/build-views';
import { headOf, loadImageData, type ImageData } from '../data/load-image-data';
import { CliError, EXIT } from '../errors';
import type { CliIO } from '../io';
import { findMethod } from '../methods/registry';
import type { MethodEntry, ViewsBatch } from '../methods/method-entry';
import { buildEncoder } from '../model/build-encoder';
import { buildOptimizer } from './build-optimizer';
import { formatDuration } from './format';
import { TimeBudget } from './time-budget';
import { readRunInfo, writeRunConfig, writeRunInfo } from './run-folder';

/** Options of {@link runPretraining}. */
export interface PretrainRunOptions {
  config: ResolvedConfig;
  runDir: string;
  /** Resume from the run folder's newest valid checkpoint. */
  resume: boolean;
  io: CliIO;
  /** Stop after this many steps (as an interruption would; the run can be resumed). */
  stopAfter?: number;
  /** Data already loaded (the demo loads it once). */
  data?: ImageData;
}

/** How pretraining ended, with what evaluation needs. */
export interface PretrainOutcome {
  summary: FitSummary;
  method: SSLMethod<ViewsBatch>;
  entry: MethodEntry;
  data: ImageData;
  plannedSteps: number;
  /** True when stopped before the planned steps (Ctrl-C, --stop-after, a time budget). */
  interrupted: boolean;
  backend: string;
}

/**
 * Seconds per optimizer step, measured on a few batches of a separate copy of the pipeline (the
 * run's own generators are untouched) with the variables restored afterwards (batch norm's
 * running statistics move in training mode).
 */
async function measureStepSeconds(
  method: SSLMethod<ViewsBatch>,
  data: () => ReturnType<typeof viewsDataset>,
  accumulation: number,
): Promise<number> {
  const all = method.allVariables();
  const saved = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, tf.clone(v)]));
  const trainable = Object.values(method.trainableVariables());
  const it = data().open(0);
  const times: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await it.next();
      if (r.done) break;
      try {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => method.loss(r.value, 0).loss, trainable);
          value.dataSync();
          tf.dispose(Object.values(grads));
        });
      } finally {
        disposeElement(r.value);
      }
      times.push((performance.now() - t0) / 1000);
    }
  } finally {
    await it.return();
    for (const [k, v] of Object.entries(all)) v.assign(saved[k]);
    tf.dispose(Object.values(saved));
  }
  // The first step compiles kernels and fills caches: time the others.
  const steady = times.length > 1 ? times.slice(1) : times;
  return (accumulation * steady.reduce((a, b) => a + b, 0)) / Math.max(1, steady.length);
}

/**
 * Pretrains the configured method: selects the backend, loads the images, builds the encoder,
 * the method, the augmentation pipeline, the optimizer and its schedule, and runs core's Trainer
 * in the run folder (metrics.jsonl, checkpoints, progress bar with ETA). With `train.minutes` the
 * learning rate follows the clock ({@link TimeBudget}) and the run stops when the budget is spent;
 * a measured step time only caps the step count. Ctrl-C stops after the current step and saves a
 * checkpoint to resume from.
 *
 * @example
 * ```ts
 * const outcome = await runPretraining({ config, runDir: 'runs/simclr-1', resume: false, io: processIO() });
 * ```
 */
export async function runPretraining(options: PretrainRunOptions): Promise<PretrainOutcome> {
  const { config, runDir, io } = options;
  const startedAt = performance.now();
  const entry = findMethod(String(config.method.name));
  if (!entry?.cls)
    throw new CliError(`method ${String(config.method.name)} is not available`, EXIT.usage);
  let backend;
  try {
    // 'auto' lets SELFSUP_BACKEND decide when it is set.
    backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  } catch (e) {
    throw new CliError(
      `backend ${config.backend}: ${(e as Error).message}`,
      EXIT.failure,
      'choose another with --backend auto|wasm|cpu',
    );
  }
  io.err(`backend ${backend.name}: ${backend.reason}`);
  if (backend.name === 'cpu')
    io.err('warning: the cpu backend is far too slow to train; expect hours per epoch');

  const seed = config.seed;
  let data = options.data;
  if (!data) {
    try {
      data = await loadImageData(config.data, process.cwd(), createRng(seed + 1));
    } catch (e) {
      throw new CliError(
        `cannot load data ${config.data.source}: ${(e as Error).message}`,
        EXIT.failure,
        'check data.source (mnist, fashion-mnist or folder:<path> with class subfolders)',
      );
    }
  }
  const train = config.data.limit !== null ? headOf(data.train, config.data.limit) : data.train;
  const { batchSize, gradAccumulation } = config.train;
  const inputShape: [number, number, number] = [
    config.data.imageSize,
    config.data.imageSize,
    config.data.channels,
  ];
  const rng = createRng(seed);
  const { name: _n, ...methodOptions } = config.method;
  void _n;
  const batchesPerEpoch = Math.floor(train.count / batchSize);
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / gradAccumulation);
  let encoder: tf.LayersModel;
  let method: SSLMethod<ViewsBatch>;
  try {
    encoder = buildEncoder(config.encoder, inputShape, rng.fork());
    method = entry.build(encoder, methodOptions, rng.fork(), {
      datasetSize: train.count,
      stepsPerEpoch,
    });
  } catch (e) {
    throw new CliError(
      `cannot build ${entry.title} with a ${config.encoder.name} encoder: ${(e as Error).message}`,
      EXIT.usage,
      'check the encoder and method sections of the config (--print-config shows them)',
    );
  }
  const makeData = (s: number) =>
    viewsDataset(train, {
      batchSize,
      imageSize: config.data.imageSize,
      augment: config.augment,
      shuffleRng: createRng(s + 2),
      viewsRng: createRng(s + 3),
    });
  const dataset = makeData(seed);

  // The planned length: from steps and epochs, from a time budget, or as a resumed run planned it.
  const info = options.resume ? await readRunInfo(runDir) : undefined;
  const bounds: number[] = [];
  if (config.train.steps !== null) bounds.push(config.train.steps);
  if (config.train.epochs !== null) bounds.push(config.train.epochs * stepsPerEpoch);
  // A time budget: the run ends when the time is spent; the step count only caps it (twice the
  // measured estimate, so that BYOL-style momentum schedules, which count steps, still progress).
  let planned: number;
  let estimate: number | undefined;
  if (options.resume && info && config.train.steps === null) {
    planned = info.plannedSteps;
  } else if (config.train.minutes !== null) {
    const stepSeconds = await measureStepSeconds(
      method,
      () => makeData(seed + 1000),
      gradAccumulation,
    );
    const left = config.train.minutes * 60 - (performance.now() - startedAt) / 1000;
    estimate = Math.max(1, Math.floor(left / stepSeconds));
    io.err(
      `time budget ${config.train.minutes} min: ~${stepSeconds.toFixed(2)} s per step measured, about ${estimate} steps`,
    );
    planned = Math.min(2 * estimate, ...bounds);
  } else {
    planned = Math.min(...bounds);
  }
  await writeRunConfig(runDir, config);
  await writeRunInfo(runDir, {
    method: entry.name,
    createdAt: info?.createdAt ?? new Date().toISOString(),
    plannedSteps: planned,
    stepsPerEpoch,
  });

  const opt = buildOptimizer(config.optimizer, {
    batchSize: batchSize * gradAccumulation,
    totalSteps: estimate ?? planned,
    stepsPerEpoch,
    referenceEpochs: entry.recipe().reference.epochs,
  });
  io.err(
    `${entry.title}: ${config.encoder.name} encoder on ${train.count} ${data.source} images ${inputShape.join('x')}, ` +
      `batch ${batchSize * gradAccumulation}, ` +
      (config.train.minutes !== null
        ? `${config.train.minutes} min (at most ${planned} steps), `
        : `${planned} steps (${(planned / stepsPerEpoch).toFixed(2)} epochs), `) +
      `${config.optimizer.name} peak lr ${opt.peakLr.toPrecision(3)}, warm-up ${opt.warmupSteps} steps`,
  );

  let stopReason: string | undefined;
  const onSigint = () => {
    if (stopReason !== undefined) {
      io.err('second Ctrl-C: exiting without a final checkpoint');
      process.exit(EXIT.interrupted);
    }
    stopReason = 'interrupted (Ctrl-C)';
    io.err(
      '\nCtrl-C: stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)',
    );
    trainer.stop(stopReason);
  };
  const callbacks: Callback<ViewsBatch>[] = [];
  if (options.stopAfter !== undefined) {
    const at = options.stopAfter;
    callbacks.push({
      onStepEnd: (step, _logs, ctx) => {
        if (step >= at) {
          stopReason = `stopped after ${at} steps (--stop-after)`;
          ctx.stop(stopReason);
        }
      },
    });
  }
  const budget =
    config.train.minutes !== null
      ? new TimeBudget({
          seconds: config.train.minutes * 60,
          startedAt,
          peakLr: opt.peakLr,
          warmupSteps: opt.warmupSteps,
          finalLr: opt.peakLr * config.optimizer.finalLrFactor,
          every: config.train.progressEvery,
          write: (line) => (io.progressStream ?? process.stderr).write(`${line}\n`),
        })
      : undefined;
  if (budget) callbacks.push(budget);
  const trainer: Trainer<ViewsBatch> = new Trainer<ViewsBatch>({
    method,
    optimizer: opt.optimizer,
    schedule: budget ? budget.schedule : opt.schedule,
    data: dataset,
    steps: planned,
    gradAccumulation,
    clipNorm: config.train.clipNorm ?? undefined,
    seed,
    runDir,
    checkpointEvery: config.train.checkpointEvery,
    keepCheckpoints: config.train.keepCheckpoints,
    logEvery: config.train.logEvery,
    // A time-bounded run prints its own progress, with the ETA from the clock.
    progress: budget
      ? false
      : {
          stream: io.progressStream ?? process.stderr,
          every: config.train.progressEvery,
          env: io.env,
        },
    config: { selfsup: config },
    log: (m) => io.err(m),
    callbacks,
  });
  process.on('SIGINT', onSigint);
  let summary: FitSummary;
  try {
    summary = await trainer.fit(options.resume ? { resumeFrom: 'latest' } : {});
  } catch (e) {
    const ckpt = trainer.lastCheckpoint;
    throw new CliError(
      `training failed at step ${trainer.step + 1}: ${(e as Error).message}`,
      EXIT.failure,
      ckpt
        ? `the last good checkpoint is ${ckpt}; resume with \`selfsup pretrain --resume ${runDir}\` (perhaps with a lower optimizer.lr)`
        : 'lower optimizer.lr or train.batchSize and try again',
    );
  } finally {
    process.off('SIGINT', onSigint);
    opt.optimizer.dispose();
  }
  const interrupted = stopReason !== undefined && summary.steps < planned;
  io.err(
    `${interrupted ? 'stopped' : 'pretrained'}: ${budget ? summary.steps : `${summary.steps}/${planned}`} steps in ${formatDuration(summary.seconds)} this session ` +
      `(${summary.samplesPerSecond.toFixed(1)} images/s), final loss ${summary.finalLoss.toFixed(4)}` +
      (summary.resumedFrom ? `, resumed from ${summary.resumedFrom}` : ''),
  );
  return {
    summary,
    method,
    entry,
    data,
    plannedSteps: planned,
    interrupted,
    backend: backend.name,
  };
}
