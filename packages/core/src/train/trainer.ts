import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint } from '../checkpoint/load-checkpoint';
import { latestCheckpoint } from '../checkpoint/latest-checkpoint';
import { saveCheckpoint } from '../checkpoint/save-checkpoint';
import type { Cursor, DataPosition } from '../data/cursor';
import type { Dataset, DatasetIterator } from '../data/dataset';
import { disposeElement } from '../data/dispose-element';
import type { DataProblem } from '../data/data-report';
import type { Optimizer } from '../optim/optimizer';
import { getGlobalRng, setGlobalSeed, type RngState } from '../random/index';
import type { Callback, EpochLogs, FitSummary, StepLogs, TrainerContext } from './callback';
import { MetricsLogger } from './metrics-logger';
import { ModelCheckpoint } from './model-checkpoint';
import { NonFiniteLossError } from './non-finite-loss-error';
import { ProgressBar, type ProgressBarOptions } from './progress-bar';
import type { SSLMethod } from './ssl-method';

/**
 * Options of the {@link Trainer}.
 *
 * @example
 * ```ts
 * const options: TrainerOptions<Batch> = {
 *   method, optimizer, data, epochs: 100,
 *   schedule: warmupCosine({ baseLr: 1e-3, warmupSteps: 500, totalSteps: 20_000 }),
 *   runDir: 'runs/simclr', checkpointEvery: 500,
 * };
 * ```
 */
export interface TrainerOptions<Batch> {
  method: SSLMethod<Batch>;
  optimizer: Optimizer;
  /** Learning rate for the update of each 0-based step; default: the optimizer's own rate, constant. */
  schedule?: (step: number) => number;
  /** Batches; each element is one micro-batch. The Trainer disposes every batch after use. */
  data: Dataset<Batch>;
  /** Passes over `data`. Give `epochs`, `steps` or both (training stops at the first reached). */
  epochs?: number;
  /** Optimizer steps. */
  steps?: number;
  /** Micro-batches whose gradients are averaged into one update (default 1). */
  gradAccumulation?: number;
  /** Clip the global gradient norm to this value (as `torch.nn.utils.clip_grad_norm_`). */
  clipNorm?: number;
  callbacks?: Callback<Batch>[];
  /** Seeds the global generator (`setGlobalSeed`) when a fresh run starts. Its state is checkpointed either way. */
  seed?: number;
  /** Run folder: `metrics.jsonl`, `config.json`, `checkpoints/`. Without it nothing is written. */
  runDir?: string;
  /** Save a checkpoint every this many steps, and at the end (needs `runDir`). */
  checkpointEvery?: number;
  /** Complete checkpoints to keep (default 3). */
  keepCheckpoints?: number;
  /** Terminal progress (default true); see {@link ProgressBar}. */
  progress?: boolean | ProgressBarOptions;
  /** Write a `metrics.jsonl` line every this many steps (default 1; needs `runDir`). */
  logEvery?: number;
  /** Samples in a batch (default: the first dimension of the first tensor found in it). */
  batchSize?: (batch: Batch) => number;
  /** Extra JSON saved in `config.json` and in checkpoints. */
  config?: Record<string, unknown>;
  /** Where the Trainer's messages go (default: stderr). */
  log?: (message: string) => void;
}

/**
 * Options of {@link Trainer.fit}.
 *
 * @example
 * ```ts
 * await trainer.fit({ resumeFrom: 'latest' });
 * ```
 */
export interface FitOptions {
  /**
   * `'latest'`: resume from the newest valid checkpoint of this trainer's `runDir`, or start
   * fresh when there is none. A path: that checkpoint folder, or a run folder's newest valid
   * checkpoint (an error if there is none).
   */
  resumeFrom?: 'latest' | string;
}

interface EpochStats {
  lossSum: number;
  count: number;
  metricSums: Record<string, number>;
  metricCounts: Record<string, number>;
  samples: number;
}

/** What `trainer.json` of a checkpoint holds besides the user's configuration. */
interface TrainerState {
  formatVersion: 1;
  step: number;
  epoch: number;
  data: DataPosition;
  globalRng: RngState;
  elapsedSeconds: number;
  samplesSeen: number;
  lastLoss: number;
  epochStats: EpochStats;
  callbacks: Record<string, unknown>;
  trainableKeys: string[];
  config: Record<string, unknown>;
}

const emptyStats = (): EpochStats => ({
  lossSum: 0,
  count: 0,
  metricSums: {},
  metricCounts: {},
  samples: 0,
});

function inferBatchSize(batch: unknown): number {
  let size = 0;
  const visit = (x: unknown): boolean => {
    if (x instanceof tf.Tensor) {
      size = x.rank > 0 ? x.shape[0] : 1;
      return true;
    }
    if (Array.isArray(x)) return x.some(visit);
    if (x !== null && typeof x === 'object' && !ArrayBuffer.isView(x))
      return Object.values(x).some(visit);
    return false;
  };
  return visit(batch) ? size : 0;
}

const positiveInt = (name: string, v: number | undefined): void => {
  if (v !== undefined && !(Number.isInteger(v) && v > 0))
    throw new Error(`Trainer: ${name} must be a positive integer, got ${v}`);
};

/**
 * Trains an {@link SSLMethod}: each step runs inside `tf.tidy`, computes the gradients of the
 * method's trainable variables with `tf.variableGrads` (accumulated over `gradAccumulation`
 * micro-batches), sets the learning rate from `schedule`, clips by global norm, applies the
 * optimizer, then calls the method's `afterStep` and the callbacks. `loss(batch, step)` and
 * `afterStep(step, totalSteps)` get the 0-based index of the update (the number of updates done
 * before it); so does `schedule`. Callbacks' `onStepEnd(step)` gets the count after it (1-based).
 * Without accumulation a step is one batch; an epoch ending mid-accumulation applies a step
 * averaged over the micro-batches it got (as PyTorch Lightning).
 *
 * **Safety.** A NaN or infinite loss (or gradient norm) stops the run before the update with a
 * {@link NonFiniteLossError} naming the step, the failing terms and the last good checkpoint.
 *
 * **Checkpoints and resume.** With `runDir` and `checkpointEvery`, checkpoints are written
 * atomically (see `README-checkpoints.md`): every variable of the method (`allVariables()`, stable
 * keys), the optimizer slots and iteration count, the method's `state()`, step, epoch, the data
 * position (epoch and cursor), the global generator's state, callback states and the
 * configuration; plus the encoder as a plain tfjs model. `fit({ resumeFrom })` restores all of
 * it, so a run stopped at step k and resumed reaches step n with the same weights as an
 * uninterrupted run, provided the data pipeline is rebuilt with the same seeds and the method
 * draws its randomness from the global generator (or keeps its own generator's state in `state()`).
 *
 * **Ownership.** The Trainer disposes each batch after its step; it never disposes the method,
 * its variables or the optimizer.
 *
 * @example
 * ```ts
 * const trainer = new Trainer({
 *   method, optimizer: new AdamW({ learningRate: 1e-3 }), data: pairs, epochs: 10,
 *   runDir: 'runs/simclr', checkpointEvery: 200, clipNorm: 3,
 *   callbacks: [new EarlyStopping({ monitor: 'loss', patience: 3 })],
 * });
 * const summary = await trainer.fit({ resumeFrom: 'latest' });
 * console.log(summary.finalLoss, summary.samplesPerSecond);
 * ```
 */
export class Trainer<Batch = unknown> implements TrainerContext<Batch> {
  readonly method: SSLMethod<Batch>;
  readonly optimizer: Optimizer;
  readonly data: Dataset<Batch>;
  readonly runDir: string | undefined;
  readonly totalEpochs: number | undefined;
  private readonly options: TrainerOptions<Batch>;
  private readonly callbacks: Callback<Batch>[];
  private readonly gradAccumulation: number;
  private readonly logFn: (message: string) => void;

  private currentStep = 0;
  private currentEpoch = 0;
  private position: DataPosition = { epoch: 0, cursor: null };
  private stats: EpochStats = emptyStats();
  private elapsedBefore = 0;
  private samplesBefore = 0;
  private lastLoss = NaN;
  private stopReason: string | undefined;
  private resumed: string | null = null;
  private last: string | null = null;
  private running = false;
  private keys: string[] = [];
  private vars: tf.Variable[] = [];
  private sessionStart = 0;
  private sessionSamples = 0;
  private loggedProblems = new Set<string>();

  constructor(options: TrainerOptions<Batch>) {
    const { method, optimizer, data } = options;
    if (!method || !optimizer || !data)
      throw new Error('Trainer: method, optimizer and data are required');
    if (options.epochs === undefined && options.steps === undefined) {
      throw new Error(
        'Trainer: give epochs, steps, or both (training stops at whichever comes first)',
      );
    }
    positiveInt('epochs', options.epochs);
    positiveInt('steps', options.steps);
    positiveInt('gradAccumulation', options.gradAccumulation);
    positiveInt('checkpointEvery', options.checkpointEvery);
    positiveInt('keepCheckpoints', options.keepCheckpoints);
    positiveInt('logEvery', options.logEvery);
    if (
      options.clipNorm !== undefined &&
      !(options.clipNorm > 0 && Number.isFinite(options.clipNorm))
    ) {
      throw new Error(
        `Trainer: clipNorm must be a positive finite number, got ${options.clipNorm}`,
      );
    }
    if (options.checkpointEvery !== undefined && options.runDir === undefined) {
      throw new Error('Trainer: checkpointEvery needs a runDir to write checkpoints into');
    }
    if (options.epochs !== undefined && options.steps === undefined && data.length === Infinity) {
      throw new Error(
        `Trainer: ${data.name} never ends (repeat()), so an epoch never ends either: give steps`,
      );
    }
    this.options = options;
    this.method = method;
    this.optimizer = optimizer;
    this.data = data;
    this.runDir = options.runDir;
    this.totalEpochs = options.epochs;
    this.gradAccumulation = options.gradAccumulation ?? 1;
    this.logFn = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
    const builtIns: Callback<Batch>[] = [];
    if (options.runDir !== undefined)
      builtIns.push(new MetricsLogger({ every: options.logEvery ?? 1 }));
    if (options.progress !== false) {
      builtIns.push(new ProgressBar(typeof options.progress === 'object' ? options.progress : {}));
    }
    if (options.checkpointEvery !== undefined) {
      builtIns.push(new ModelCheckpoint({ every: options.checkpointEvery }));
    }
    this.callbacks = [...(options.callbacks ?? []), ...builtIns];
    const names = this.callbacks.map((c) => c.name).filter((n): n is string => n !== undefined);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined)
      throw new Error(
        `Trainer: two callbacks are named '${dup}'; names key their checkpointed state`,
      );
  }

  get step(): number {
    return this.currentStep;
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  get totalSteps(): number | undefined {
    const perEpoch =
      this.data.length === undefined
        ? undefined
        : Math.ceil(this.data.length / this.gradAccumulation);
    const byEpochs =
      this.options.epochs !== undefined && perEpoch !== undefined
        ? this.options.epochs * perEpoch
        : undefined;
    if (this.options.steps !== undefined)
      return byEpochs === undefined ? this.options.steps : Math.min(this.options.steps, byEpochs);
    return byEpochs;
  }

  get resumedFrom(): string | null {
    return this.resumed;
  }

  get lastCheckpoint(): string | null {
    return this.last;
  }

  get stopRequested(): boolean {
    return this.stopReason !== undefined;
  }

  stop(reason: string): void {
    this.stopReason ??= reason;
  }

  log(message: string): void {
    this.logFn(message);
  }

  /** Seconds of training so far, across resumed sessions. */
  private elapsed(): number {
    return this.elapsedBefore + (this.running ? (performance.now() - this.sessionStart) / 1000 : 0);
  }

  private collectVariables(): void {
    const trainable = this.method.trainableVariables();
    const all = this.method.allVariables();
    const byIdentity = new Map<tf.Variable, string>();
    for (const [k, v] of Object.entries(all)) byIdentity.set(v, k);
    this.keys = Object.keys(trainable).sort();
    this.vars = this.keys.map((k) => trainable[k]);
    for (const k of this.keys) {
      if (!(trainable[k] instanceof tf.Variable))
        throw new Error(`Trainer: trainableVariables()['${k}'] is not a tf.Variable`);
      if (all[k] !== trainable[k]) {
        throw new Error(
          `Trainer: trainable variable '${k}' is not in allVariables() under the same key` +
            (byIdentity.has(trainable[k])
              ? ` (it is there as '${byIdentity.get(trainable[k])}')`
              : ''),
        );
      }
    }
    if (this.vars.length === 0)
      throw new Error(`Trainer: ${this.method.name}.trainableVariables() is empty`);
  }

  private trainerState(): TrainerState {
    const callbacks: Record<string, unknown> = {};
    for (const c of this.callbacks)
      if (c.name !== undefined && c.state) callbacks[c.name] = c.state();
    return {
      formatVersion: 1,
      step: this.currentStep,
      epoch: this.currentEpoch,
      data: this.position,
      globalRng: getGlobalRng().state(),
      elapsedSeconds: this.elapsed(),
      samplesSeen: this.samplesBefore + this.sessionSamples,
      lastLoss: this.lastLoss,
      epochStats: this.stats,
      callbacks,
      trainableKeys: this.keys,
      config: this.configJson(),
    };
  }

  private configJson(): Record<string, unknown> {
    const o = this.options;
    return {
      method: { name: this.method.name, ...this.method.config() },
      optimizer: this.optimizer.getConfig(),
      trainer: {
        epochs: o.epochs ?? null,
        steps: o.steps ?? null,
        gradAccumulation: this.gradAccumulation,
        clipNorm: o.clipNorm ?? null,
        seed: o.seed ?? null,
        checkpointEvery: o.checkpointEvery ?? null,
        keepCheckpoints: o.keepCheckpoints ?? 3,
        schedule: o.schedule ? 'custom' : 'constant',
      },
      data: { name: this.data.name, length: this.data.length ?? null },
      user: o.config ?? {},
    };
  }

  /** Writes a checkpoint of the current state into `runDir/checkpoints/` and returns its folder. */
  async saveCheckpoint(): Promise<string> {
    if (this.runDir === undefined)
      throw new Error('Trainer.saveCheckpoint: the Trainer has no runDir');
    if (this.vars.length === 0) this.collectVariables();
    const slotsList = this.optimizer.getSlots(this.vars);
    const slots: Record<string, Record<string, tf.Tensor>> = {};
    this.keys.forEach((k, i) => {
      if (Object.keys(slotsList[i]).length > 0) slots[k] = slotsList[i];
    });
    const dir = await saveCheckpoint(
      this.runDir,
      {
        step: this.currentStep,
        epoch: this.currentEpoch,
        encoder: this.method.encoder,
        variables: this.method.allVariables(),
        optimizer: {
          iterations: this.optimizer.iterations,
          config: this.optimizer.getConfig(),
          slots,
        },
        methodState: this.method.state?.(),
        trainer: this.trainerState() as unknown as Record<string, unknown>,
      },
      { keep: this.options.keepCheckpoints ?? 3 },
    );
    this.last = dir;
    return dir;
  }

  /** Restores everything a checkpoint holds into the method, optimizer, callbacks and counters. */
  private async restore(dir: string): Promise<void> {
    const ckpt = await loadCheckpoint(dir);
    try {
      const all = this.method.allVariables();
      const missing = Object.keys(all).filter((k) => !(k in ckpt.variables));
      const extra = Object.keys(ckpt.variables).filter((k) => !(k in all));
      if (missing.length > 0 || extra.length > 0) {
        throw new Error(
          `Trainer: checkpoint ${ckpt.dir} does not match ${this.method.name}.allVariables(): ` +
            (missing.length
              ? `missing ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''}; `
              : '') +
            (extra.length
              ? `unexpected ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', ...' : ''}; `
              : '') +
            'the keys must be the same in every process (see SSLMethod)',
        );
      }
      for (const [k, v] of Object.entries(all)) {
        const t = ckpt.variables[k];
        if (
          t.dtype !== v.dtype ||
          t.shape.length !== v.shape.length ||
          t.shape.some((d, i) => d !== v.shape[i])
        ) {
          throw new Error(
            `Trainer: variable '${k}' is ${v.dtype} [${v.shape.join(', ')}] but checkpoint ${ckpt.dir} holds ${t.dtype} [${t.shape.join(', ')}]`,
          );
        }
      }
      for (const [k, v] of Object.entries(all)) v.assign(ckpt.variables[k]);
      if (ckpt.optimizer) {
        this.optimizer.setSlots(
          this.vars,
          this.keys.map((k) => ckpt.optimizer!.slots[k] ?? {}),
          ckpt.optimizer.iterations,
        );
      }
      if (ckpt.methodState !== undefined) {
        if (!this.method.loadState)
          throw new Error(
            `Trainer: checkpoint ${ckpt.dir} holds method state but ${this.method.name} has no loadState()`,
          );
        this.method.loadState(
          ckpt.methodState as Parameters<NonNullable<SSLMethod<Batch>['loadState']>>[0],
        );
      }
      const s = ckpt.trainer as unknown as TrainerState;
      if (s.formatVersion !== 1)
        throw new Error(
          `Trainer: ${ckpt.dir}/trainer.json has formatVersion ${String(s.formatVersion)}, expected 1`,
        );
      this.currentStep = s.step;
      this.currentEpoch = s.epoch;
      this.position = { epoch: s.data.epoch, cursor: s.data.cursor as Cursor | null };
      getGlobalRng().setState(s.globalRng);
      this.elapsedBefore = s.elapsedSeconds;
      this.samplesBefore = s.samplesSeen;
      this.lastLoss = s.lastLoss;
      this.stats = s.epochStats;
      for (const c of this.callbacks) {
        if (c.name !== undefined && c.loadState && s.callbacks[c.name] !== undefined)
          c.loadState(s.callbacks[c.name]);
      }
      this.resumed = ckpt.dir;
      this.last = ckpt.dir;
    } finally {
      ckpt.dispose();
    }
  }

  private async resolveResume(resumeFrom: string): Promise<string | null> {
    if (resumeFrom === 'latest') {
      if (this.runDir === undefined)
        throw new Error("Trainer.fit: resumeFrom 'latest' needs a runDir");
      const dir = await latestCheckpoint(this.runDir, {
        onInvalid: (d, why) => this.log(`skipping invalid checkpoint ${d}: ${why}`),
      });
      if (dir === null) this.log(`no checkpoint in ${this.runDir}: starting a fresh run`);
      return dir;
    }
    return resumeFrom;
  }

  private finished(): boolean {
    if (this.options.steps !== undefined && this.currentStep >= this.options.steps) return true;
    if (this.options.epochs !== undefined && this.currentEpoch >= this.options.epochs) return true;
    return false;
  }

  /**
   * Runs training until `epochs` or `steps` is reached or a callback stops it, optionally
   * resuming from a checkpoint first. Resolves with a summary; rejects with a
   * {@link NonFiniteLossError} on a NaN or infinite loss.
   *
   * @example
   * ```ts
   * const summary = await trainer.fit({ resumeFrom: 'latest' });
   * ```
   */
  async fit(options: FitOptions = {}): Promise<FitSummary> {
    if (this.running) throw new Error('Trainer.fit: already running');
    this.collectVariables();
    if (this.method.afterStep && this.totalSteps === undefined) {
      throw new Error(
        `Trainer: ${this.method.name}.afterStep needs the total number of steps, unknown here (the length of ${this.data.name} is unknown): give steps`,
      );
    }
    this.stopReason = undefined;
    const resumeDir =
      options.resumeFrom !== undefined ? await this.resolveResume(options.resumeFrom) : null;
    if (resumeDir !== null) {
      await this.restore(resumeDir);
      this.log(
        `resumed from ${this.resumed} at step ${this.currentStep} (epoch ${this.currentEpoch})`,
      );
    } else if (this.options.seed !== undefined) {
      setGlobalSeed(this.options.seed);
    }
    if (this.runDir !== undefined) {
      await fs.mkdir(this.runDir, { recursive: true });
      await fs.writeFile(
        path.join(this.runDir, 'config.json'),
        JSON.stringify(this.configJson(), null, 2),
      );
    }
    this.running = true;
    this.sessionStart = performance.now();
    this.sessionSamples = 0;
    const window: { t: number; samples: number }[] = [{ t: performance.now(), samples: 0 }];
    let iterator: DatasetIterator<Batch> | undefined;
    let batchesThisEpoch = this.position.cursor === null ? 0 : 1;
    try {
      for (const c of this.callbacks) await c.onTrainBegin?.(this);
      while (!this.finished() && !this.stopRequested) {
        iterator ??= this.data.open(this.position.epoch, this.position.cursor);
        const result = await this.trainStep(iterator);
        if (result !== null) {
          batchesThisEpoch += result.micro;
          this.sessionSamples += result.logs.samples;
          const now = performance.now();
          window.push({ t: now, samples: result.logs.samples });
          if (window.length > 51) window.shift();
          const span = (now - window[0].t) / 1000;
          const inWindow = window.slice(1).reduce((a, w) => a + w.samples, 0);
          result.logs.samplesPerSecond = span > 0 ? inWindow / span : 0;
          result.logs.elapsed = this.elapsed();
          for (const c of this.callbacks) await c.onStepEnd?.(this.currentStep, result.logs, this);
        }
        // A step runs on microtasks only; yielding to the event loop lets signal handlers
        // (Ctrl-C -> trainer.stop()), timers and I/O callbacks run between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (result === null || result.epochEnded) {
          await iterator.return();
          iterator = undefined;
          if (batchesThisEpoch === 0)
            throw new Error(
              `Trainer: ${this.data.name} yielded no batch in epoch ${this.currentEpoch}`,
            );
          await this.endEpoch();
          batchesThisEpoch = 0;
        }
      }
      const seconds = (performance.now() - this.sessionStart) / 1000;
      this.elapsedBefore += seconds;
      this.samplesBefore += this.sessionSamples;
      const sessionSamples = this.sessionSamples;
      this.sessionSamples = 0;
      this.running = false;
      const summary: FitSummary = {
        steps: this.currentStep,
        epochs: this.currentEpoch,
        finalLoss: this.lastLoss,
        samplesPerSecond: seconds > 0 ? sessionSamples / seconds : 0,
        seconds,
        samples: sessionSamples,
        status: this.stopRequested ? 'stopped' : 'completed',
        stopReason: this.stopReason,
        resumedFrom: this.resumed,
        lastCheckpoint: this.last,
        skippedSamples: this.data.report().skipped,
      };
      for (const c of this.callbacks) await c.onTrainEnd?.(summary, this);
      summary.lastCheckpoint = this.last;
      return summary;
    } catch (error) {
      for (const c of this.callbacks) {
        try {
          await c.onTrainError?.(error, this);
        } catch {
          // the original error matters more
        }
      }
      throw error;
    } finally {
      this.running = false;
      await iterator?.return();
    }
  }

  /**
   * One optimizer step over up to `gradAccumulation` micro-batches. Returns null when the epoch
   * ended before any micro-batch, otherwise the step's logs and whether the epoch ended during it.
   */
  private async trainStep(
    iterator: DatasetIterator<Batch>,
  ): Promise<{ logs: StepLogs; micro: number; epochEnded: boolean } | null> {
    const A = this.gradAccumulation;
    const stepIndex = this.currentStep;
    let accum: tf.NamedTensorMap | null = null;
    let micro = 0;
    let samples = 0;
    let lossSum = 0;
    const metricSums: Record<string, number> = {};
    let epochEnded = false;
    try {
      for (; micro < A;) {
        const r = await iterator.next();
        if (r.done) {
          epochEnded = true;
          break;
        }
        const batch = r.value;
        this.position = { epoch: this.currentEpoch, cursor: iterator.position() };
        samples += this.options.batchSize ? this.options.batchSize(batch) : inferBatchSize(batch);
        let lossTensor: tf.Tensor | undefined;
        const metricTensors: Record<string, tf.Tensor> = {};
        const metricNumbers: Record<string, number> = {};
        try {
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => {
              const out = this.method.loss(batch, stepIndex);
              if (!out || !(out.loss instanceof tf.Tensor) || out.loss.rank !== 0) {
                throw new Error(
                  `Trainer: ${this.method.name}.loss() must return { loss: scalar tensor }, got ${
                    out?.loss instanceof tf.Tensor
                      ? `a tensor of shape [${out.loss.shape.join(', ')}]`
                      : typeof out?.loss
                  }`,
                );
              }
              for (const [k, m] of Object.entries(out.metrics ?? {})) {
                if (m instanceof tf.Tensor)
                  metricTensors[k] = tf.keep(m.size === 1 ? m : tf.mean(m));
                else metricNumbers[k] = m;
              }
              return out.loss;
            }, this.vars);
            lossTensor = tf.keep(value);
            if (accum === null) {
              accum = {};
              for (const [name, g] of Object.entries(grads)) accum[name] = tf.keep(g);
            } else {
              for (const [name, g] of Object.entries(grads)) {
                const prev = accum[name];
                accum[name] = tf.keep(prev ? tf.add(prev, g) : g);
                prev?.dispose();
              }
            }
          });
        } finally {
          disposeElement(batch);
        }
        micro++;
        const lossValue = (await lossTensor!.data())[0];
        lossTensor!.dispose();
        const metrics: Record<string, number> = { ...metricNumbers };
        for (const [k, t] of Object.entries(metricTensors)) {
          metrics[k] = (await t.data())[0];
          t.dispose();
        }
        if (!Number.isFinite(lossValue)) {
          throw new NonFiniteLossError(
            stepIndex + 1,
            this.currentEpoch,
            'loss',
            lossValue,
            this.last,
            metrics,
            A > 1 ? `, micro-batch ${micro} of ${A}` : '',
          );
        }
        lossSum += lossValue;
        for (const [k, v] of Object.entries(metrics)) {
          metricSums[k] = (metricSums[k] ?? 0) + v;
          this.stats.metricSums[k] = (this.stats.metricSums[k] ?? 0) + v;
          this.stats.metricCounts[k] = (this.stats.metricCounts[k] ?? 0) + 1;
        }
        this.stats.lossSum += lossValue;
        this.stats.count += 1;
      }
      if (micro === 0) return null;
      // The schedule is asked only for steps that happen (not when the epoch just ended).
      const lr = this.options.schedule
        ? this.options.schedule(stepIndex)
        : this.optimizer.learningRate;
      if (!Number.isFinite(lr) || lr < 0)
        throw new Error(
          `Trainer: schedule(${stepIndex}) returned ${lr}; a learning rate must be finite and >= 0`,
        );
      this.optimizer.learningRate = lr;
      const grads: tf.NamedTensorMap = accum!;
      // Global norm of the averaged gradients, read before anything is applied.
      const scale = 1 / micro;
      const norm = tf.tidy(() => {
        const squares = Object.values(grads).map((g) => tf.sum(tf.mul(g, g)));
        return Math.sqrt(tf.addN(squares).dataSync()[0]) * scale;
      });
      if (!Number.isFinite(norm)) {
        throw new NonFiniteLossError(
          stepIndex + 1,
          this.currentEpoch,
          'gradient norm',
          norm,
          this.last,
          {},
          '',
        );
      }
      const clip = this.options.clipNorm;
      const factor = scale * (clip !== undefined ? Math.min(1, clip / (norm + 1e-6)) : 1);
      tf.tidy(() => {
        const applied: tf.NamedTensorMap = {};
        for (const [name, g] of Object.entries(grads))
          applied[name] = factor === 1 ? g : tf.mul(g, factor);
        this.optimizer.applyGradients(applied, this.vars);
      });
      if (this.method.afterStep) {
        const total = this.totalSteps!;
        tf.tidy(() => this.method.afterStep!(stepIndex, total));
      }
      this.currentStep += 1;
      this.lastLoss = lossSum / micro;
      this.stats.samples += samples;
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(metricSums)) metrics[k] = v / micro;
      const logs: StepLogs = {
        step: this.currentStep,
        epoch: this.currentEpoch,
        loss: this.lastLoss,
        lr,
        gradNorm: norm,
        samples,
        samplesPerSecond: 0,
        elapsed: 0,
        metrics,
      };
      return { logs, micro, epochEnded };
    } finally {
      if (accum !== null) tf.dispose(Object.values(accum as tf.NamedTensorMap));
    }
  }

  private async endEpoch(): Promise<void> {
    const s = this.stats;
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(s.metricSums)) metrics[k] = v / (s.metricCounts[k] || 1);
    const fresh: DataProblem[] = [];
    for (const p of this.data.report().problems) {
      const key = `${p.epoch}\u0000${p.stage}\u0000${p.source}`;
      if (!this.loggedProblems.has(key)) {
        this.loggedProblems.add(key);
        fresh.push(p);
      }
    }
    if (fresh.length > 0) {
      const lines = fresh.slice(0, 20).map((p) => `  ${p.source}: ${p.reason}`);
      if (fresh.length > 20) lines.push(`  ... and ${fresh.length - 20} more`);
      this.log(
        `epoch ${this.currentEpoch}: ${fresh.length} unreadable sample(s) skipped:\n${lines.join('\n')}`,
      );
    }
    const logs: EpochLogs = {
      epoch: this.currentEpoch,
      step: this.currentStep,
      loss: s.count > 0 ? s.lossSum / s.count : NaN,
      metrics,
      samples: s.samples,
      skipped: fresh,
    };
    this.currentEpoch += 1;
    this.position = { epoch: this.currentEpoch, cursor: null };
    this.stats = emptyStats();
    for (const c of this.callbacks) await c.onEpochEnd?.(logs.epoch, logs, this);
  }
}
