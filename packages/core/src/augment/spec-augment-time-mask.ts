import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkMaskOptions, drawIntervalMask, fillWhere } from './_internal';
import type { SpecAugmentMaskOptions, Transform } from './types';

/**
 * SpecAugment time masking (torchaudio's `TimeMasking` with `iid_masks=True`): each sample gets
 * `numMasks` masks of consecutive time steps, width an integer uniform in [0, maxWidth), start
 * uniform among the positions where the mask fits; masked steps are set to `maskValue` across
 * all frequencies. Input `[batch, time, freq]` (time before frequency, this library's layout) or
 * waveforms `[batch, time]`.
 *
 * @example
 * ```ts
 * const mask = specAugmentTimeMask({ maxWidth: 40, numMasks: 2 });
 * const out = mask(spectrograms, rng); // [B, T, F]
 * ```
 */
export function specAugmentTimeMask<T extends tf.Tensor = tf.Tensor3D>(
  options: SpecAugmentMaskOptions,
): Transform<T> {
  const o = checkMaskOptions(options, 'specAugmentTimeMask');
  return (x: T, rng) => {
    if (x.rank !== 2 && x.rank !== 3) {
      throw new Error(
        `specAugmentTimeMask: expected [batch, time, freq] or [batch, time], got shape [${x.shape.join(', ')}]`,
      );
    }
    const [batch, time] = x.shape;
    const freq = x.rank === 3 ? (x.shape[2] as number) : 1;
    const mask = drawIntervalMask(
      batch,
      time,
      o.maxWidth,
      o.numMasks,
      o.p,
      o.maxProportion,
      resolveRng(rng),
    );
    // Full-size condition (a broadcast one goes through Tile, slow on wasm): each masked
    // (sample, step) covers `freq` consecutive values.
    const cond = new Uint8Array(x.size);
    mask.forEach((m, i) => {
      if (m) cond.fill(1, i * freq, (i + 1) * freq);
    });
    return tf.tidy(() => fillWhere(x, cond, o.maskValue));
  };
}
