import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCheckpoints } from '../checkpoint/index';
import { Dataset } from '../data/index';
import { SGD } from '../optim/index';
import { createRng, setGlobalSeed } from '../random/index';
import { momentumSgd, pairData, TinyMethod, type PairBatch } from './fixtures/tiny-method';
import {
  EarlyStopping,
  modelVariables,
  NonFiniteLossError,
  ProgressBar,
  Trainer,
  type Callback,
  type SSLMethod,
  type StepLogs,
  type TrainerOptions,
} from './index';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-trainer-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const quiet = { progress: false as const, log: () => undefined };

function setup(overrides: Partial<TrainerOptions<PairBatch>> = {}) {
  setGlobalSeed(99);
  const method = new TinyMethod();
  const trainer = new Trainer<PairBatch>({
    method,
    optimizer: momentumSgd(),
    data: pairData(),
    schedule: (s) => 0.05 * (1 - s / 40),
    gradAccumulation: 2,
    clipNorm: 1,
    seed: 5,
    ...quiet,
    ...overrides,
  });
  return { method, trainer };
}

const readLines = async (file: string) =>
  (await fs.readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('Trainer', () => {
  it('trains: the loss falls, and the summary counts steps, epochs and samples', async () => {
    const { method, trainer } = setup({ epochs: 5 });
    const tensorsBefore = tf.memory().numTensors;
    const losses: number[] = [];
    trainer['callbacks'].unshift({
      onStepEnd: (_s: number, l: StepLogs) => void losses.push(l.loss),
    } as Callback<PairBatch>);
    const summary = await trainer.fit();
    // 60 samples in 8 batches of <= 8; 2 micro-batches per step: 4 steps per epoch.
    expect(summary.steps).toBe(20);
    expect(summary.epochs).toBe(5);
    expect(summary.samples).toBe(300);
    expect(summary.status).toBe('completed');
    expect(summary.finalLoss).toBe(losses[losses.length - 1]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 0.05);
    // Nothing leaks, prefetched batches included: only the optimizer's slots remain.
    trainer.optimizer.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    method.dispose();
  });

  it('resumes to the same weights as an uninterrupted run, mid-epoch and at an epoch end', async () => {
    const steps = 14;
    const full = setup({ steps, runDir: path.join(tmp, 'full'), checkpointEvery: 3 });
    await full.trainer.fit();
    const reference = full.method.snapshot();
    const referenceLog = await readLines(path.join(tmp, 'full', 'metrics.jsonl'));

    for (const stopAt of [5, 8]) {
      const runDir = path.join(tmp, `resume-${stopAt}`);
      const first = setup({ steps: stopAt, runDir, checkpointEvery: 3 });
      await first.trainer.fit();
      first.method.dispose();
      expect((await listCheckpoints(runDir)).map((c) => c.step).pop()).toBe(stopAt);

      const second = setup({ steps, runDir, checkpointEvery: 3 });
      // Advance the global generator: resume must restore it, not rely on the seed.
      setGlobalSeed(12345);
      const summary = await second.trainer.fit({ resumeFrom: 'latest' });
      expect(summary.resumedFrom).toMatch(new RegExp(`step-0+${stopAt}$`));
      expect(summary.steps).toBe(steps);
      const resumed = second.method.snapshot();
      let maxDiff = 0;
      resumed.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - reference[i]))));
      expect(maxDiff, `weights after resuming at step ${stopAt}`).toBeLessThan(1e-6);
      // The metrics log continues without duplicates and with the same losses.
      const log = await readLines(path.join(runDir, 'metrics.jsonl'));
      expect(log.map((r) => [r.type, r.step])).toEqual(referenceLog.map((r) => [r.type, r.step]));
      log.forEach((r, i) =>
        expect(r.loss as number).toBeCloseTo(referenceLog[i].loss as number, 5),
      );
      second.method.dispose();
    }

    // The comparison can fail: another data seed gives other weights.
    setGlobalSeed(99);
    const other = new TinyMethod();
    const data = pairData().map(
      (b: PairBatch, ctx) => ({
        views: [b.views[1], tf.add(b.views[0], ctx.rng.float() * 0.01)] as tf.Tensor2D[],
      }),
      createRng(1),
    );
    await new Trainer({
      method: other,
      optimizer: momentumSgd(),
      data,
      steps,
      gradAccumulation: 2,
      clipNorm: 1,
      ...quiet,
    }).fit();
    const otherWeights = other.snapshot();
    expect(Math.max(...otherWeights.map((v, i) => Math.abs(v - reference[i])))).toBeGreaterThan(
      1e-3,
    );
    other.dispose();
    full.method.dispose();
  });

  it('stops on a NaN loss with a clear error, before applying the update', async () => {
    const runDir = path.join(tmp, 'nan');
    const { method, trainer } = setup({ steps: 20, runDir, checkpointEvery: 2 });
    method.nanFromStep = 3;
    let afterStep3: number[] = [];
    trainer['callbacks'].unshift({
      onStepEnd: (s: number) => void (s === 3 && (afterStep3 = method.snapshot())),
    } as Callback<PairBatch>);
    const error = await trainer.fit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    expect(e.step).toBe(4);
    expect(e.which).toBe('loss');
    expect(e.lastCheckpoint).toMatch(/step-0+2$/);
    expect(e.message).toMatch(/loss is NaN at step 4 \(epoch 0, micro-batch 1 of 2\)/);
    expect(e.message).toMatch(/Non-finite terms: bankTerm = NaN\./);
    expect(e.metrics.maskKept).toBeGreaterThan(0);
    expect(e.message).toContain(`Last good checkpoint: ${e.lastCheckpoint}`);
    expect(method.snapshot()).toEqual(afterStep3);
    method.dispose();
  });

  it('keeps tf.memory().numTensors flat over 200 steps', async () => {
    setGlobalSeed(1);
    const method = new TinyMethod();
    const counts: number[] = [];
    const trainer = new Trainer<PairBatch>({
      method,
      optimizer: momentumSgd(),
      data: pairData(60, 12, false),
      steps: 200,
      clipNorm: 1,
      ...quiet,
      callbacks: [{ onStepEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    const before = tf.memory().numTensors;
    await trainer.fit();
    expect(counts).toHaveLength(200);
    // After the first step created the optimizer's slots, the count never moves.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors - before).toBe(counts[1] - before);
    method.dispose();
  });

  it('runs callbacks in order, lets them stop the run, and logs skipped samples', async () => {
    setGlobalSeed(2);
    const method = new TinyMethod();
    const events: string[] = [];
    const messages: string[] = [];
    const base = pairData(16);
    const flaky = Dataset.fromArray([0, 1, 2, 3, 4, 5])
      .mapAsync(
        async (i) => {
          if (i === 2) throw new Error('corrupt record');
          return i;
        },
        { onError: 'skip', describe: (i) => `record-${i}.bin` },
      )
      .batch(3);
    let it = base.open(0);
    const data = flaky.mapAsync(async () => {
      let r = await it.next();
      if (r.done) {
        it = base.open(1);
        r = await it.next();
      }
      return r.value as PairBatch;
    });
    const trainer = new Trainer<PairBatch>({
      method,
      optimizer: momentumSgd(),
      data,
      epochs: 3,
      progress: false,
      log: (m) => messages.push(m),
      callbacks: [
        {
          onTrainBegin: () => void events.push('begin'),
          onStepEnd: (s) => void events.push(`step${s}`),
          onEpochEnd: (e, logs) => void events.push(`epoch${e}:${logs.skipped.length}`),
          onTrainEnd: (s) => void events.push(`end:${s.status}`),
        },
        { onStepEnd: (s, _l, ctx) => (s === 3 ? ctx.stop('enough') : undefined) },
      ],
    });
    const summary = await trainer.fit();
    await it.return();
    expect(events).toEqual(['begin', 'step1', 'step2', 'epoch0:1', 'step3', 'end:stopped']);
    expect(summary.stopReason).toBe('enough');
    expect(messages.join('\n')).toMatch(
      /epoch 0: 1 unreadable sample\(s\) skipped:\n {2}record-2\.bin: corrupt record/,
    );
    method.dispose();
  });

  it('yields to the event loop between steps, so a timer or signal handler can stop the run', async () => {
    const { method, trainer } = setup({ steps: 10_000 });
    // A macrotask, like a SIGINT handler: it only runs if the loop yields between steps.
    setImmediate(() => trainer.stop('stopped from a macrotask'));
    const summary = await trainer.fit();
    expect(summary.status).toBe('stopped');
    expect(summary.stopReason).toBe('stopped from a macrotask');
    expect(summary.steps).toBeLessThan(10);
    trainer.optimizer.dispose();
    method.dispose();
  });

  it('validates its options', () => {
    const method = new TinyMethod();
    const base = { method, optimizer: momentumSgd(), data: pairData() };
    expect(() => new Trainer({ ...base })).toThrow(/give epochs, steps, or both/);
    expect(() => new Trainer({ ...base, steps: 1, checkpointEvery: 5 })).toThrow(/needs a runDir/);
    expect(() => new Trainer({ ...base, steps: 1, gradAccumulation: 0 })).toThrow(
      /gradAccumulation must be a positive integer/,
    );
    expect(() => new Trainer({ ...base, epochs: 1, data: pairData().repeat() })).toThrow(
      /never ends/,
    );
    method.dispose();
  });
});

describe('EarlyStopping', () => {
  const ctx = () => {
    const c = { reason: undefined as string | undefined, stop: (r: string) => (c.reason = r) };
    return c;
  };
  const epochLogs = (loss: number, metrics: Record<string, number> = {}) => ({
    epoch: 0,
    step: 0,
    loss,
    metrics,
    samples: 0,
    skipped: [],
  });

  it('stops after `patience` checks without an improvement larger than minDelta', () => {
    const es = new EarlyStopping({ patience: 2, minDelta: 0.01 });
    const c = ctx();
    const losses = [1, 0.9, 0.895, 0.85, 0.849, 0.848, 0.5];
    const stoppedAt = losses.findIndex((l, e) => {
      es.onEpochEnd(e, epochLogs(l), c as never);
      return c.reason !== undefined;
    });
    expect(stoppedAt).toBe(5); // 0.85 improved; 0.895, 0.849 and 0.848 are within minDelta
    expect(c.reason).toMatch(/loss did not improve for 2 epoch checks \(best 0.85 at epoch 3\)/);
  });

  it('maximizes a metric added by a callback, and restores its counters', () => {
    const es = new EarlyStopping({ monitor: 'knn', mode: 'max', patience: 1 });
    const c = ctx();
    es.onEpochEnd(0, epochLogs(1, { knn: 0.5 }), c as never);
    const saved = JSON.parse(JSON.stringify(es.state()));
    const again = new EarlyStopping({ monitor: 'knn', mode: 'max', patience: 1 });
    again.loadState(saved);
    again.onEpochEnd(1, epochLogs(1, { knn: 0.4 }), c as never);
    expect(c.reason).toMatch(/knn did not improve/);
    expect(() =>
      new EarlyStopping({ monitor: 'nope' }).onEpochEnd(0, epochLogs(1), c as never),
    ).toThrow(/'nope' is not in the logs \(available: .*loss/);
  });
});

describe('ProgressBar', () => {
  const fakeCtx = { step: 0, epoch: 0, totalSteps: 100 } as never;
  const logs = (step: number): StepLogs => ({
    step,
    epoch: 0,
    loss: 1.23456,
    lr: 0.001,
    gradNorm: 1,
    samples: 8,
    samplesPerSecond: 100,
    elapsed: 1,
    metrics: {},
  });
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return {
      isTTY,
      chunks,
      write: (s: string) => (chunks.push(s), true),
    } as unknown as NodeJS.WritableStream & { isTTY: boolean; chunks: string[] };
  };

  it('prints a plain line every N steps when not on a TTY, and when CI is set', () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { CI: 'true' }],
    ] as const) {
      const out = sink(isTTY);
      const bar = new ProgressBar({ stream: out, every: 10, env });
      bar.onTrainBegin(fakeCtx);
      for (let s = 1; s <= 30; s++) bar.onStepEnd(s, logs(s), fakeCtx);
      const lines = out.chunks.join('').trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(
        /^step 10\/100 \| epoch 0 \| loss 1\.2346 \| lr 1\.00e-3 \| 100\.0 samples\/s \| ETA \d+s$/,
      );
    }
    const silent = sink(false);
    const none = new ProgressBar({ stream: silent, every: 0, env: {} });
    none.onTrainBegin(fakeCtx);
    for (let s = 1; s <= 30; s++) none.onStepEnd(s, logs(s), fakeCtx);
    expect(silent.chunks).toEqual([]);
  });

  it('draws a bar with loss, learning rate and speed on a TTY', () => {
    const out = sink(true);
    const bar = new ProgressBar({ stream: out, env: {} });
    bar.onTrainBegin(fakeCtx);
    bar.onStepEnd(5, logs(5), fakeCtx);
    bar.onTrainError();
    const text = out.chunks.join('');
    expect(text).toMatch(/loss 1\.2346 \| lr 1\.00e-3 \| 100\.0 samples\/s/);
  });
});

/** A linear regression "method": loss = mean((xW - y)^2), so gradients are easy to check by hand. */
class Linear implements SSLMethod<{ x: tf.Tensor2D; y: tf.Tensor2D }> {
  readonly name = 'linear';
  readonly encoder = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 1,
        inputShape: [3],
        useBias: false,
        name: 'w',
        kernelInitializer: 'zeros',
      }),
    ],
  });
  trainableVariables() {
    return modelVariables(this.encoder, 'w', true);
  }
  allVariables() {
    return modelVariables(this.encoder, 'w');
  }
  loss({ x, y }: { x: tf.Tensor2D; y: tf.Tensor2D }) {
    const d = tf.sub(this.encoder.apply(x) as tf.Tensor2D, y);
    return { loss: tf.mean(tf.mul(d, d)) as tf.Scalar };
  }
  config() {
    return {};
  }
  weights(): number[] {
    return Array.from(this.encoder.weights[0].read().dataSync());
  }
}

describe('Trainer update rule', () => {
  const rows = Array.from({ length: 16 }, (_, i) => ({ x: [i % 3, (i * 7) % 5, 1], y: [i / 4] }));
  const data = (batch: number) =>
    Dataset.fromArray(rows)
      .batch(batch)
      .map((b: { x: number[][]; y: number[][] }) => ({ x: tf.tensor2d(b.x), y: tf.tensor2d(b.y) }));

  it('gradient accumulation over k micro-batches equals one step on a k times larger batch', async () => {
    const accumulated = new Linear();
    await new Trainer({
      method: accumulated,
      optimizer: new SGD({ learningRate: 0.01 }),
      data: data(4),
      gradAccumulation: 2,
      epochs: 1,
      ...quiet,
    }).fit();
    const large = new Linear();
    await new Trainer({
      method: large,
      optimizer: new SGD({ learningRate: 0.01 }),
      data: data(8),
      epochs: 1,
      ...quiet,
    }).fit();
    const a = accumulated.weights();
    large.weights().forEach((v, i) => expect(a[i]).toBeCloseTo(v, 6));
    expect(a.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('applies the schedule each step and clips by global norm like clip_grad_norm_', async () => {
    const method = new Linear();
    const lrs: number[] = [];
    const norms: number[] = [];
    const trace: number[][] = [method.weights()];
    await new Trainer({
      method,
      optimizer: new SGD({ learningRate: 123 }),
      data: data(16),
      epochs: 3,
      schedule: (s) => [0.5, 0.25, 0.125][s],
      clipNorm: 0.75,
      ...quiet,
      callbacks: [
        {
          onStepEnd: (_s, l) =>
            void (lrs.push(l.lr), norms.push(l.gradNorm), trace.push(method.weights())),
        },
      ],
    }).fit();
    expect(lrs).toEqual([0.5, 0.25, 0.125]);
    // Independent computation of each step: g = 2/n X^T (Xw - y), scaled to norm <= 0.75.
    const X = rows.map((r) => r.x);
    const Y = rows.map((r) => r.y[0]);
    for (let s = 0; s < 3; s++) {
      const w = trace[s];
      const g = [0, 0, 0];
      X.forEach((x, i) => {
        const err = x[0] * w[0] + x[1] * w[1] + x[2] * w[2] - Y[i];
        for (let j = 0; j < 3; j++) g[j] += (2 / X.length) * err * x[j];
      });
      const norm = Math.hypot(...g);
      expect(norms[s]).toBeCloseTo(norm, 3);
      const scale = Math.min(1, 0.75 / (norm + 1e-6));
      for (let j = 0; j < 3; j++)
        expect(trace[s + 1][j]).toBeCloseTo(w[j] - lrs[s] * scale * g[j], 5);
    }
    expect(norms[0]).toBeGreaterThan(0.75); // the clip was active
  });
});
