import * as tf from '@tensorflow/tfjs';
import { resolveRng } from '../random/index';
import { checkProbability, drawMask } from './_internal';
import type { Transform } from './types';

/** Options of {@link timeShift}. */
export interface TimeShiftOptions {
  /** Largest shift, in `unit`s: the shift is an integer number of steps uniform in [-max, max]. */
  maxShift: number;
  /** 'fraction' (default) of the time length, or 'samples' (time steps). */
  unit?: 'fraction' | 'samples';
  /** true (default): what leaves one end re-enters at the other (a roll); false: zeros come in. */
  rollover?: boolean;
  /** Probability that a sample is shifted. Default 1. */
  p?: number;
}

/**
 * Random time shift per sample (audiomentations' `Shift`): `out[t] = x[t - s]` along axis 1
 * (time), with s an integer uniform in `[-maxShift, maxShift]` steps (positive = later). With
 * rollover it is `np.roll(x, s)`; without, the vacated steps are 0. Works on waveforms `[B, T]`
 * and spectrograms `[B, T, F]` (time before frequency), as one nearest-neighbour cropAndResize
 * over the batch.
 *
 * @example
 * ```ts
 * const shift = timeShift({ maxShift: 0.1, rollover: true }); // up to 10% of the clip
 * const out = shift(waveforms, rng);
 * ```
 */
export function timeShift<T extends tf.Tensor = tf.Tensor2D>(
  options: TimeShiftOptions,
): Transform<T> {
  const unit = options.unit ?? 'fraction';
  const { maxShift } = options;
  if (unit !== 'fraction' && unit !== 'samples') {
    throw new Error(`timeShift: unit must be 'fraction' or 'samples', got ${String(unit)}`);
  }
  if (
    !(maxShift >= 0) ||
    (unit === 'samples' && !Number.isInteger(maxShift)) ||
    (unit === 'fraction' && maxShift > 1)
  ) {
    throw new Error(
      `timeShift: maxShift must be a fraction in [0, 1] or a non-negative integer number of samples, got ${maxShift} (${unit})`,
    );
  }
  const rollover = options.rollover ?? true;
  const p = checkProbability(options.p ?? 1, 'timeShift');
  return (x: T, rng) => {
    if (x.rank < 2)
      throw new Error(`timeShift: expected [batch, time, ...], got shape [${x.shape.join(', ')}]`);
    const r = resolveRng(rng);
    const [batch, time] = x.shape;
    const max = unit === 'fraction' ? Math.round(maxShift * time) : maxShift;
    const shifts = drawMask(batch, p, r).map((m) => (m ? r.int(2 * max + 1) - max : 0));
    if (shifts.every((s) => s === 0)) return x.clone();
    return tf.tidy(() => {
      const rest = x.shape.slice(2).reduce((a, d) => a * d, 1);
      // The shifted clip is a window of an extended copy (the clip twice for a roll, zeros around
      // it otherwise), cut out for every sample by one nearest-neighbour cropAndResize along the
      // height axis of [batch, length, 1, rest] (tf.gather is ~10x slower on wasm). Positions sit
      // a quarter step past each integer so that both rounding (cpu) and the truncating row copy
      // of the wasm kernel pick the intended step.
      const seq = tf.reshape(x, [batch, time, rest]);
      const ext = rollover
        ? tf.concat([seq, seq], 1)
        : tf.concat(
            [tf.zeros([batch, max, rest], x.dtype), seq, tf.zeros([batch, max + 1, rest], x.dtype)],
            1,
          );
      const length = ext.shape[1] as number;
      // out[t] = x[t - s] = ext[t + offset]
      const offsets = shifts.map((s) => (rollover ? (((time - s) % time) + time) % time : max - s));
      if (length > 1 << 18) {
        // cropAndResize computes positions in float32, exact enough to land on the right step
        // up to ~2^18 steps; longer clips take the (slower on wasm) gather.
        const index = new Int32Array(batch * time);
        offsets.forEach((o, b) => {
          for (let t = 0; t < time; t++) index[b * time + t] = b * length + t + o;
        });
        const rows = tf.reshape(ext, [batch * length, rest]);
        return tf.reshape(tf.gather(rows, tf.tensor1d(index, 'int32')), x.shape) as T;
      }
      const boxes = new Float32Array(batch * 4);
      offsets.forEach((o, b) => {
        boxes[b * 4] = (o + 0.25) / (length - 1);
        boxes[b * 4 + 2] = (o + time - 1 + 0.25) / (length - 1);
      });
      const windows = tf.image.cropAndResize(
        tf.reshape(tf.cast(ext, 'float32'), [batch, length, 1, rest]) as tf.Tensor4D,
        tf.tensor2d(boxes, [batch, 4]),
        tf.range(0, batch, 1, 'int32') as tf.Tensor1D,
        [time, 1],
        'nearest',
      );
      return tf.reshape(tf.cast(windows, x.dtype), x.shape) as T;
    });
  };
}
