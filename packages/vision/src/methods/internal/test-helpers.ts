// Internal test helpers: a minimal training loop with the Trainer's step protocol, gradient
// inspection and small random view batches.
import * as tf from '@tensorflow/tfjs';
import { SGD, createRng, type Optimizer, type SSLMethod } from '@selfsup/core';
import { expect } from 'vitest';
import type { ViewsBatch } from '../views-batch';

/** Views of `n` random images [n, size, size, channels] (seeded). */
export function randomViews(
  count: number,
  n: number,
  size: number,
  channels = 1,
  seed = 0,
  sizes?: number[],
): ViewsBatch {
  const rng = createRng(seed);
  const views: tf.Tensor4D[] = [];
  for (let v = 0; v < count; v++) {
    const s = sizes?.[v] ?? size;
    views.push(tf.randomUniform([n, s, s, channels], 0, 1, 'float32', rng.seed()) as tf.Tensor4D);
  }
  return { views };
}

/** One step as the Trainer runs it: loss in variableGrads, optimizer update, afterStep. Returns the loss. */
export function trainStep(
  method: SSLMethod<ViewsBatch>,
  batch: ViewsBatch,
  step: number,
  totalSteps: number,
  optimizer: Optimizer,
): number {
  const keys = Object.keys(method.trainableVariables()).sort();
  const vars = keys.map((k) => method.trainableVariables()[k]);
  let loss = NaN;
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => method.loss(batch, step).loss, vars);
    loss = value.dataSync()[0];
    optimizer.applyGradients(grads, vars);
  });
  if (method.afterStep) tf.tidy(() => method.afterStep!(step, totalSteps));
  return loss;
}

/** A plain SGD optimizer for the unit tests. */
export function sgd(learningRate = 0.05): Optimizer {
  return new SGD({ learningRate, momentum: 0.9 });
}

/**
 * Gradient norms of one loss, for every trainable variable AND for every other variable of the
 * method made temporarily trainable (target / key / teacher networks): those must get none.
 */
export function gradientNorms(
  method: SSLMethod<ViewsBatch>,
  batch: ViewsBatch,
  step = 0,
  frozen: (key: string) => boolean = () => false,
): { trainable: Record<string, number>; others: Record<string, number> } {
  const trainable = method.trainableVariables();
  const all = method.allVariables();
  const otherKeys = Object.keys(all).filter(
    (k) => !(k in trainable) && !frozen(k) && all[k].dtype === 'float32',
  );
  const flipped = otherKeys.map((k) => all[k]).filter((v) => !v.trainable);
  flipped.forEach((v) => (v.trainable = true));
  const byName = new Map<string, string>();
  for (const [k, v] of Object.entries(all)) byName.set(v.name, k);
  const out = { trainable: {} as Record<string, number>, others: {} as Record<string, number> };
  try {
    tf.tidy(() => {
      const vars = [...Object.values(trainable), ...otherKeys.map((k) => all[k])];
      const { grads } = tf.variableGrads(() => method.loss(batch, step).loss, vars);
      for (const [name, g] of Object.entries(grads)) {
        const key = byName.get(name)!;
        const norm = g == null ? 0 : tf.norm(g).dataSync()[0];
        if (key in trainable) out.trainable[key] = norm;
        else out.others[key] = norm;
      }
    });
  } finally {
    flipped.forEach((v) => (v.trainable = false));
    method.afterStep?.(step, step + 1); // releases what loss() kept for afterStep
  }
  return out;
}

/** Asserts that every trainable variable gets a non-zero finite gradient and no other variable any. */
export function expectGradientsOnlyOnTrainable(
  method: SSLMethod<ViewsBatch>,
  batch: ViewsBatch,
  step = 0,
  allowZero: (key: string) => boolean = () => false,
  frozen: (key: string) => boolean = () => false,
): void {
  const { trainable, others } = gradientNorms(method, batch, step, frozen);
  const keys = Object.keys(method.trainableVariables());
  expect(keys.length).toBeGreaterThan(0);
  for (const k of keys) {
    expect(trainable[k], `gradient of ${k}`).toBeDefined();
    expect(Number.isFinite(trainable[k]), `gradient of ${k} is finite`).toBe(true);
    if (!allowZero(k)) expect(trainable[k], `gradient of ${k}`).toBeGreaterThan(0);
  }
  for (const [k, norm] of Object.entries(others))
    expect(norm, `gradient of non-trainable ${k}`).toBe(0);
}

/** Copies of the variables' current values, keyed as given. */
export function snapshot(vars: Record<string, tf.Variable>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = v.dataSync() as Float32Array;
  return out;
}

/** Largest absolute difference between two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Runs `steps` training steps and checks that the tensor count stays flat after the first two. */
export function expectNoLeak(
  method: SSLMethod<ViewsBatch>,
  makeBatch: (step: number) => ViewsBatch,
  steps = 5,
): void {
  const optimizer = sgd(0.01);
  const counts: number[] = [];
  for (let s = 0; s < steps; s++) {
    const batch = makeBatch(s);
    trainStep(method, batch, s, steps, optimizer);
    tf.dispose(batch.views as tf.Tensor[]);
    counts.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  expect(counts.slice(2)).toEqual(counts.slice(2).map(() => counts[1]));
}
