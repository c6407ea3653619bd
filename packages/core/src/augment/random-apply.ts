import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, drawMask, selectSamples } from './_internal';
import type { Transform } from './types';

/**
 * torchvision's `RandomApply`, per sample: each sample goes through `transform` with probability
 * `p`, independently; the others are returned unchanged. The selection is drawn first; then the
 * transform runs on the whole batch (drawing from the same generator) and the selected samples
 * are taken from its output with `tf.where`: on wasm, gathering a subset and scattering it back
 * costs more than the transforms here. So `transform` must keep the shape of its input.
 *
 * @example
 * ```ts
 * const maybeJitter = randomApply(colorJitter({ brightness: 0.4, contrast: 0.4 }), 0.8);
 * const out = maybeJitter(images, rng);
 * ```
 */
export function randomApply<T extends tf.Tensor = tf.Tensor4D>(
  transform: Transform<T>,
  p: number,
): Transform<T> {
  checkProbability(p, 'randomApply');
  return (x: T, rng) => {
    if (x.rank < 1) throw new Error(`randomApply: expected a batch (rank >= 1), got a scalar`);
    const r = resolveRng(rng);
    const mask = drawMask(x.shape[0], p, r);
    if (mask.every((m) => !m)) return x.clone();
    return tf.tidy(() => {
      const y = transform(x, r);
      if (!tf.util.arraysEqual(y.shape, x.shape)) {
        throw new Error(
          `randomApply: the transform must keep the shape [${x.shape.join(', ')}], got [${y.shape.join(', ')}]`,
        );
      }
      return selectSamples(mask, y, x);
    });
  };
}
