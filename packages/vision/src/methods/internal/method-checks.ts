// Internal test helpers shared by the EMA methods: exact EMA update and checkpoint round trip.
import * as tf from '@tensorflow/tfjs';
import type { MethodState, SSLMethod } from '@selfsup/core';
import { expect } from 'vitest';
import type { ViewsBatch } from '../views-batch';
import { maxAbsDiff, sgd, snapshot, trainStep } from './test-helpers';

/**
 * After one step, every target variable equals `m * before + (1 - m) * onlineAfter` exactly
 * (float32 rounding), where `m = expectedMomentum`; `pairs` maps target keys to online keys.
 */
export function expectExactEma(
  method: SSLMethod<ViewsBatch>,
  batch: ViewsBatch,
  pairs: Record<string, string>,
  step: number,
  totalSteps: number,
  expectedMomentum: number,
): void {
  const all = method.allVariables();
  const targetKeys = Object.keys(pairs);
  expect(targetKeys.length).toBeGreaterThan(0);
  const before = snapshot(Object.fromEntries(targetKeys.map((k) => [k, all[k]])));
  const opt = sgd(0.5);
  trainStep(method, batch, step, totalSteps, opt);
  opt.dispose();
  const onlineAfter = snapshot(Object.fromEntries(targetKeys.map((k) => [k, all[pairs[k]]])));
  let moved = 0;
  for (const k of targetKeys) {
    const now = all[k].dataSync();
    const expected = before[k].map(
      (t, i) => expectedMomentum * t + (1 - expectedMomentum) * onlineAfter[k][i],
    );
    expect(maxAbsDiff(now, expected), k).toBeLessThan(1e-6);
    moved = Math.max(moved, maxAbsDiff(now, before[k]));
  }
  expect(moved).toBeGreaterThan(0);
}

/** Maps each target key `${targetPrefix}...` to the online key `${onlinePrefix}...`, checking both exist. */
export function targetPairs(
  method: SSLMethod<ViewsBatch>,
  prefixes: Array<[targetPrefix: string, onlinePrefix: string]>,
): Record<string, string> {
  const all = method.allVariables();
  const trainable = method.trainableVariables();
  const out: Record<string, string> = {};
  for (const [t, o] of prefixes) {
    for (const key of Object.keys(trainable)) {
      if (!key.startsWith(o)) continue;
      const tk = t + key.slice(o.length);
      expect(all[tk], `target variable for ${key}`).toBeDefined();
      out[tk] = key;
    }
  }
  return out;
}

/**
 * A checkpoint round trip: saves `allVariables()` and `state()`, trains two more steps, restores
 * both (as the Trainer does: `assign`, then `loadState`), and checks that the loss of a fixed batch
 * and the state come back exactly.
 */
export function expectStateRoundTrip(
  method: SSLMethod<ViewsBatch>,
  makeBatch: (seed: number) => ViewsBatch,
  compareState: (a: MethodState, b: MethodState) => void = (a, b) =>
    expect(plain(b)).toEqual(plain(a)),
): void {
  const opt = sgd(0.05);
  for (let s = 0; s < 2; s++) {
    const b = makeBatch(100 + s);
    trainStep(method, b, s, 10, opt);
    tf.dispose(b.views as tf.Tensor[]);
  }
  const saved = Object.fromEntries(
    Object.entries(method.allVariables()).map(([k, v]) => [k, tf.clone(v)]),
  );
  const savedState = copyState(method.state?.() ?? {});
  const probe = makeBatch(7);
  const lossBefore = tf.tidy(() => method.loss(probe, 2).loss.dataSync()[0]);
  method.afterStep?.(2, 10); // releases what loss() kept, and moves the state on
  for (let s = 3; s < 5; s++) {
    const b = makeBatch(200 + s);
    trainStep(method, b, s, 10, opt);
    tf.dispose(b.views as tf.Tensor[]);
  }
  for (const [k, v] of Object.entries(method.allVariables())) v.assign(saved[k]);
  method.loadState?.(savedState);
  compareState(savedState, method.state?.() ?? {});
  const lossAfter = tf.tidy(() => method.loss(probe, 2).loss.dataSync()[0]);
  method.afterStep?.(2, 10);
  expect(lossAfter).toBeCloseTo(lossBefore, 5);
  opt.dispose();
  tf.dispose(Object.values(saved));
  tf.dispose(probe.views as tf.Tensor[]);
  disposeState(savedState);
}

function copyState(state: MethodState): MethodState {
  const out: MethodState = {};
  for (const [k, v] of Object.entries(state))
    out[k] = v instanceof tf.Tensor ? tf.clone(v) : Array.isArray(v) ? [...v] : v;
  return out;
}

function disposeState(state: MethodState): void {
  for (const v of Object.values(state)) if (v instanceof tf.Tensor) v.dispose();
}

/** The state with tensors replaced by nested arrays. */
export function plain(state: MethodState): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state).map(([k, v]) => [k, v instanceof tf.Tensor ? v.arraySync() : v]),
  );
}
