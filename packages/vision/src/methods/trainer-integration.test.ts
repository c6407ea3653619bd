// The methods under core's Trainer: a run with checkpoints, then a fresh method resumed from the
// last checkpoint holds the same variables and state (MoCo's queue, DINO's center).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AdamW, Dataset, Trainer, createRng, type SSLMethod } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { smallConvNet } from '../encoders/small-conv-net';
import { projectionHead } from '../heads/projection-head';
import { DINO } from './dino/dino';
import { dinoHead } from './dino/dino-head';
import { plain } from './internal/method-checks';
import { randomViews } from './internal/test-helpers';
import { MoCoV2 } from './moco-v2/moco-v2';
import type { ViewsBatch } from './views-batch';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Trains 4 steps with a checkpoint at step 4, then resumes a freshly built method from it. */
async function checkpointRoundTrip(
  build: () => SSLMethod<ViewsBatch>,
  makeBatch: (seed: number) => ViewsBatch,
): Promise<void> {
  const runDir = await mkdtemp(join(tmpdir(), 'selfsup-vision-'));
  dirs.push(runDir);
  const batches = [0, 1, 2, 3].map(makeBatch);
  const data = Dataset.fromArray(batches);
  const method = build();
  const opt = new AdamW({ learningRate: 1e-3 });
  const summary = await new Trainer({
    method,
    optimizer: opt,
    data,
    steps: 4,
    runDir,
    checkpointEvery: 4,
    progress: false,
  }).fit();
  expect(summary.steps).toBe(4);
  expect(Number.isFinite(summary.finalLoss)).toBe(true);
  const resumed = build();
  const opt2 = new AdamW({ learningRate: 1e-3 });
  const again = await new Trainer({
    method: resumed,
    optimizer: opt2,
    data,
    steps: 4,
    runDir,
    progress: false,
  }).fit({ resumeFrom: 'latest' });
  expect(again.resumedFrom).not.toBeNull();
  const a = method.allVariables();
  const b = resumed.allVariables();
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const k of Object.keys(a))
    expect(Array.from(b[k].dataSync()), k).toEqual(Array.from(a[k].dataSync()));
  expect(plain(resumed.state!())).toEqual(plain(method.state!()));
  [method, resumed].forEach((m) => m.dispose?.());
  [opt, opt2].forEach((o) => o.dispose());
  batches.forEach((x) => tf.dispose(x.views as tf.Tensor[]));
}

describe('methods under the Trainer', () => {
  it('MoCo v2 resumes its key network and queue from a checkpoint', async () => {
    const build = () => {
      const rng = createRng(0);
      const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
      const projector = projectionHead(
        { inputDim: 8, hiddenDim: 8, outputDim: 5, batchNorm: false },
        rng,
      );
      return new MoCoV2({ encoder, projector, queueSize: 12, bnSplits: 2 }, rng);
    };
    await checkpointRoundTrip(build, (s) => randomViews(2, 8, 8, 1, s));
  });

  it('DINO resumes its teacher and center from a checkpoint', async () => {
    const build = () => {
      const rng = createRng(0);
      const encoder = smallConvNet({ inputShape: [8, 8, 1], widths: [4, 8] }, rng);
      const head = dinoHead({ inputDim: 8, hiddenDim: 16, bottleneckDim: 6, outputDim: 10 }, rng);
      return new DINO({ encoder, head, stepsPerEpoch: 2, warmupTeacherTemperatureEpochs: 2 });
    };
    await checkpointRoundTrip(build, (s) => randomViews(4, 5, 8, 1, s, [8, 8, 4, 4]));
  });
});
