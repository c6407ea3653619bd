import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, checkRange, drawMask } from './_internal';
import type { Transform } from './types';

/** Options of {@link addNoise}. */
export interface AddNoiseOptions {
  /** Signal-to-noise ratio range in dB; each sample draws its own uniformly. Default [3, 30]. */
  snrDb?: readonly [number, number];
  /** Probability that a sample gets noise. Default 1. */
  p?: number;
}

/**
 * Adds white Gaussian noise at a random signal-to-noise ratio per sample (audiomentations'
 * `AddGaussianSNR`): the noise variance is `mean(x^2) / 10^(snr / 10)`, the mean taken over each
 * sample, so `10 log10(P_signal / P_noise)` is the drawn SNR in expectation. A silent sample
 * stays silent. Works on waveforms `[B, T]` and spectrograms `[B, T, F]`.
 *
 * @example
 * ```ts
 * const noise = addNoise({ snrDb: [10, 30], p: 0.5 });
 * const out = noise(waveforms, rng);
 * ```
 */
export function addNoise<T extends tf.Tensor = tf.Tensor2D>(
  options: AddNoiseOptions = {},
): Transform<T> {
  const [lo, hi] = checkRange(options.snrDb ?? [3, 30], 'addNoise', 'snrDb');
  const p = checkProbability(options.p ?? 1, 'addNoise');
  return (x: T, rng) => {
    if (x.rank < 2)
      throw new Error(
        `addNoise: expected [batch, ...] of rank >= 2, got shape [${x.shape.join(', ')}]`,
      );
    const r = resolveRng(rng);
    const batch = x.shape[0];
    // Noise power relative to signal power: 10^(-snr/10), 0 for the samples left clean.
    const relPower = drawMask(batch, p, r).map((m) => (m ? 10 ** (-r.uniform(lo, hi) / 10) : 0));
    const seed = r.seed();
    return tf.tidy(() => {
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
      const shape = [batch, ...new Array<number>(x.rank - 1).fill(1)];
      const power = tf.mean(tf.mul(x, x), axes, true);
      const std = tf.sqrt(tf.mul(power, tf.tensor(Float32Array.from(relPower), shape)));
      const noise = tf.randomNormal(x.shape, 0, 1, 'float32', seed);
      return tf.add(x, tf.mul(noise, std)) as T;
    });
  };
}
