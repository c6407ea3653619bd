import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../random/index';
import type { ElementContext } from '../dataset';
import { forEachTensor } from './tensors';
import { mixSeed } from './seed';

/** The context of element `index` of `epoch` in a stage seeded with `seed`; the rng is lazy. */
export function elementContext(seed: number, epoch: number, index: number): ElementContext {
  let rng: Rng | undefined;
  return {
    epoch,
    index,
    get rng() {
      rng ??= createRng(mixSeed(seed, epoch, index));
      return rng;
    },
  };
}

/**
 * Runs a synchronous element function in its own tfjs scope: every tensor it creates is freed
 * except those in its result. (Like `tf.tidy`, but without walking large typed arrays.)
 */
export function runScoped<U>(fn: () => U, stage: string): U {
  const engine = tf.engine();
  engine.startScope(stage);
  let out: U;
  try {
    out = fn();
  } catch (e) {
    engine.endScope();
    throw e;
  }
  if (
    out !== null &&
    typeof out === 'object' &&
    typeof (out as { then?: unknown }).then === 'function'
  ) {
    engine.endScope();
    throw new Error(
      `${stage}: the function returned a Promise; use mapAsync for asynchronous functions`,
    );
  }
  const keep: tf.Tensor[] = [];
  forEachTensor(out, (t) => keep.push(t));
  engine.endScope(keep);
  return out;
}
