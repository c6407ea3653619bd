import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/index';

/**
 * A random augmentation: maps a batch to a batch of the same rank, drawing every random number
 * from `rng` (the global generator when omitted). Vision transforms take NHWC float images in
 * [0, 1] (`tf.Tensor4D`); audio transforms take waveforms `[batch, time]` or spectrograms
 * `[batch, time, freq]`. The returned tensor is new: the caller disposes it and the input.
 *
 * @example
 * ```ts
 * const flip: Transform = horizontalFlip({ p: 0.5 });
 * const out = flip(images, createRng(0));
 * ```
 */
export type Transform<T extends tf.Tensor = tf.Tensor4D> = (x: T, rng?: Rng) => T;

/**
 * Options of {@link specAugmentTimeMask} and {@link specAugmentFrequencyMask}.
 *
 * @example
 * ```ts
 * const options: SpecAugmentMaskOptions = { maxWidth: 27, numMasks: 2, maskValue: 0 };
 * ```
 */
export interface SpecAugmentMaskOptions {
  /** Masks are narrower than this: width is an integer uniform in [0, maxWidth). */
  maxWidth: number;
  /** Masks per sample, each drawn independently (they may overlap). Default 1. */
  numMasks?: number;
  /** Value written into masked steps. Default 0. */
  maskValue?: number;
  /** Probability that a sample is masked at all. Default 1. */
  p?: number;
  /** torchaudio's `p`: widths are also capped at this fraction of the axis. Default 1 (no cap). */
  maxProportion?: number;
}
