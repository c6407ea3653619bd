import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkMaskOptions, drawIntervalMask, fillWhere } from './_internal';
import type { SpecAugmentMaskOptions, Transform } from './types';

/**
 * SpecAugment frequency masking (torchaudio's `FrequencyMasking` with `iid_masks=True`): each
 * sample gets `numMasks` masks of consecutive frequency bins, width an integer uniform in
 * [0, maxWidth), start uniform among the positions where the mask fits; masked bins are set to
 * `maskValue` at every time step. Input `[batch, time, freq]` (time before frequency).
 *
 * @example
 * ```ts
 * const mask = specAugmentFrequencyMask({ maxWidth: 27, numMasks: 2 });
 * const out = mask(spectrograms, rng); // [B, T, F]
 * ```
 */
export function specAugmentFrequencyMask<T extends tf.Tensor = tf.Tensor3D>(
  options: SpecAugmentMaskOptions,
): Transform<T> {
  const o = checkMaskOptions(options, 'specAugmentFrequencyMask');
  return (x: T, rng) => {
    if (x.rank !== 3) {
      throw new Error(
        `specAugmentFrequencyMask: expected [batch, time, freq], got shape [${x.shape.join(', ')}]`,
      );
    }
    const [batch, time, freq] = x.shape;
    const mask = drawIntervalMask(
      batch,
      freq,
      o.maxWidth,
      o.numMasks,
      o.p,
      o.maxProportion,
      resolveRng(rng),
    );
    // Full-size condition (a broadcast one goes through Tile, slow on wasm): every time step of
    // a sample repeats its frequency mask.
    const cond = new Uint8Array(x.size);
    for (let b = 0; b < batch; b++) {
      const row = mask.subarray(b * freq, (b + 1) * freq);
      if (!row.includes(1)) continue;
      for (let t = 0; t < time; t++) cond.set(row, (b * time + t) * freq);
    }
    return tf.tidy(() => fillWhere(x, cond, o.maskValue));
  };
}
