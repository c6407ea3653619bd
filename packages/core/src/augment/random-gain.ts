import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, checkRange, drawMask } from './_internal';
import type { Transform } from './types';

/** Options of {@link randomGain}. */
export interface RandomGainOptions {
  /** Lowest gain in decibels. Default -6. */
  minGainDb?: number;
  /** Highest gain in decibels. Default 6. */
  maxGainDb?: number;
  /** Probability that a sample is scaled. Default 1. */
  p?: number;
}

/**
 * Random gain, per sample (audiomentations' `Gain`): each waveform (or any batch-first tensor)
 * is multiplied by `10^(g / 20)` with g uniform in `[minGainDb, maxGainDb]` dB (amplitude
 * decibels: 20 log10 of the amplitude ratio). No clipping.
 *
 * @example
 * ```ts
 * const gain = randomGain({ minGainDb: -6, maxGainDb: 6, p: 0.5 });
 * const out = gain(waveforms, rng); // [B, T]
 * ```
 */
export function randomGain<T extends tf.Tensor = tf.Tensor2D>(
  options: RandomGainOptions = {},
): Transform<T> {
  const [lo, hi] = checkRange(
    [options.minGainDb ?? -6, options.maxGainDb ?? 6],
    'randomGain',
    '[minGainDb, maxGainDb]',
  );
  const p = checkProbability(options.p ?? 1, 'randomGain');
  return (x: T, rng) => {
    if (x.rank < 1)
      throw new Error('randomGain: expected a batch-first tensor (rank >= 1), got a scalar');
    const r = resolveRng(rng);
    const batch = x.shape[0];
    const gains = drawMask(batch, p, r).map((m) => (m ? 10 ** (r.uniform(lo, hi) / 20) : 1));
    return tf.tidy(() => {
      const shape = [batch, ...new Array<number>(x.rank - 1).fill(1)];
      return tf.mul(x, tf.tensor(Float32Array.from(gains), shape)) as T;
    });
  };
}
