// Shared helpers of the vision tests (not exported by the package).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Saves a model to memory and loads it back with tf.loadLayersModel. */
export async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  // Through JSON, as a file would be: no shared object references survive.
  const topology = JSON.parse(JSON.stringify(saved!.modelTopology));
  return tf.loadLayersModel(tf.io.fromMemory({ ...saved!, modelTopology: topology }));
}

/** Number of scalars in a list of weights. */
export function countParams(weights: readonly tf.LayerVariable[]): number {
  return weights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
}

/** Element-wise |a - b| <= atol + rtol * |b|, with the worst offender in the message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/** The values of every weight of a model, in order. */
export function weightValues(model: tf.LayersModel | tf.layers.Layer): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** Runs `fn` in tf.tidy and checks that no tensor outlives it. */
export function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  tf.tidy(fn);
  expect(tf.memory().numTensors).toBe(before);
}

/** Deterministic pseudo-random values in [-1, 1) (a small LCG; tests only). */
export function fixedValues(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}
