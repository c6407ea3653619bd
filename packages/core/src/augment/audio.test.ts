import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { randomGain } from './random-gain';
import { expectNoLeak } from './_test-utils';
import { addNoise } from './add-noise';
import { timeShift } from './time-shift';
import { specAugmentTimeMask } from './spec-augment-time-mask';
import { specAugmentFrequencyMask } from './spec-augment-frequency-mask';

describe('randomGain', () => {
  it('scales each sample by a gain whose 20 log10 ratio lies in the dB range', () => {
    const wave = tf.tensor2d(
      Array.from({ length: 32 * 10 }, (_, i) => Math.sin(i) + 0.1),
      [32, 10],
    );
    const out = randomGain({ minGainDb: -12, maxGainDb: 3 })(wave, createRng(1));
    const x = wave.arraySync();
    const y = out.arraySync();
    const r = createRng(1);
    y.forEach((row, b) => {
      const ratio = row[3] / x[b][3];
      const db = 20 * Math.log10(ratio);
      expect(db).toBeGreaterThanOrEqual(-12 - 1e-4);
      expect(db).toBeLessThanOrEqual(3 + 1e-4);
      // the drawn gain, replayed: one uniform per sample
      expect(db).toBeCloseTo(r.uniform(-12, 3), 3);
      row.forEach((v, t) => expect(v).toBeCloseTo(x[b][t] * ratio, 5));
    });
  });

  it('applies a fixed gain exactly, and only to the selected samples with p', () => {
    const spec = tf.ones([40, 3, 2]);
    const out = randomGain<tf.Tensor3D>({ minGainDb: 6, maxGainDb: 6, p: 0.5 })(
      spec as tf.Tensor3D,
      createRng(2),
    );
    const values = out.arraySync().map((s) => s[0][0]);
    const scaled = values.filter((v) => Math.abs(v - 10 ** (6 / 20)) < 1e-6).length;
    expect(scaled + values.filter((v) => v === 1).length).toBe(40);
    expect(scaled).toBeGreaterThan(8);
    expect(scaled).toBeLessThan(32);
  });

  it('validates and leaks no tensors', () => {
    expect(() => randomGain({ minGainDb: 3, maxGainDb: -3 })).toThrow(/low <= high/);
    const wave = tf.ones([4, 8]) as tf.Tensor2D;
    expectNoLeak(() => randomGain()(wave, createRng(1)));
  });
});

describe('addNoise', () => {
  it('reaches the requested SNR within 0.5 dB over a long signal', () => {
    const T = 50000;
    const rows = [0.5, 2, 0.05].map((amp, b) =>
      Array.from({ length: T }, (_, t) => amp * Math.sin(0.01 * t * (b + 1))),
    );
    const wave = tf.tensor2d(rows);
    for (const snr of [0, 10, 25]) {
      const out = addNoise({ snrDb: [snr, snr] })(wave, createRng(snr)).arraySync();
      out.forEach((row, b) => {
        let ps = 0;
        let pn = 0;
        row.forEach((v, t) => {
          ps += rows[b][t] * rows[b][t];
          pn += (v - rows[b][t]) ** 2;
        });
        expect(Math.abs(10 * Math.log10(ps / pn) - snr)).toBeLessThan(0.5);
      });
    }
  });

  it('keeps silence silent, skips unselected samples, and is reproducible', () => {
    const wave = tf.concat([tf.zeros([1, 100]), tf.ones([31, 100])]) as tf.Tensor2D;
    const noisy = addNoise({ snrDb: [5, 20], p: 0.5 });
    const out = noisy(wave, createRng(4));
    const rows = out.arraySync();
    expect(rows[0].every((v) => v === 0)).toBe(true);
    const clean = rows.slice(1).filter((r) => r.every((v) => v === 1)).length;
    expect(clean).toBeGreaterThan(5);
    expect(clean).toBeLessThan(26);
    expect(noisy(wave, createRng(4)).arraySync()).toEqual(rows);
  });

  it('works on spectrograms and leaks no tensors', () => {
    const spec = tf.ones([2, 4, 3]) as tf.Tensor3D;
    expect(addNoise<tf.Tensor3D>()(spec, createRng(1)).shape).toEqual([2, 4, 3]);
    expect(() => addNoise({ snrDb: [10, 5] })).toThrow(/low <= high/);
    expectNoLeak(() => addNoise<tf.Tensor3D>()(spec, createRng(1)));
  });
});

/** Finds s with out = roll(x, s) (rollover) or the zero-filled shift, checking every value. */
function findShift(x: number[], y: number[], max: number, rollover: boolean): number | undefined {
  const T = x.length;
  for (let s = -max; s <= max; s++) {
    const ok = y.every((v, t) => {
      const src = t - s;
      const expected = rollover ? x[((src % T) + T) % T] : src >= 0 && src < T ? x[src] : 0;
      return v === expected;
    });
    if (ok) return s;
  }
  return undefined;
}

describe('timeShift', () => {
  it('with rollover is a per-sample roll within the maximum', () => {
    const T = 20;
    const wave = tf.tensor2d(
      Array.from({ length: 16 * T }, (_, i) => i + 1),
      [16, T],
    );
    const x = wave.arraySync();
    const out = timeShift({ maxShift: 0.25 })(wave, createRng(1)).arraySync();
    const shifts = out.map((row, b) => findShift(x[b], row, 5, true));
    expect(shifts.every((s) => s !== undefined)).toBe(true);
    expect(new Set(shifts).size).toBeGreaterThan(3);
  });

  it('without rollover fills with zeros; spectrograms shift along time', () => {
    const wave = tf.tensor2d(
      Array.from({ length: 8 * 12 }, (_, i) => i + 1),
      [8, 12],
    );
    const x = wave.arraySync();
    const out = timeShift({ maxShift: 4, unit: 'samples', rollover: false })(
      wave,
      createRng(2),
    ).arraySync();
    out.forEach((row, b) => expect(findShift(x[b], row, 4, false)).not.toBeUndefined());
    // [B, T, F]: each frame moves as a whole.
    const spec = tf.tensor3d(
      Array.from({ length: 2 * 6 * 3 }, (_, i) => i),
      [2, 6, 3],
    );
    const s = spec.arraySync();
    const shifted = timeShift<tf.Tensor3D>({ maxShift: 2, unit: 'samples' })(
      spec,
      createRng(3),
    ).arraySync();
    shifted.forEach((frames, b) => {
      const sh = [-2, -1, 0, 1, 2].find((k) =>
        frames.every((f, t) => JSON.stringify(f) === JSON.stringify(s[b][(((t - k) % 6) + 6) % 6])),
      );
      expect(sh).not.toBeUndefined();
    });
  });

  it('validates and leaks no tensors', () => {
    expect(() => timeShift({ maxShift: 1.5 })).toThrow(/maxShift/);
    expect(() => timeShift({ maxShift: 2.5, unit: 'samples' })).toThrow(/maxShift/);
    const wave = tf.ones([3, 10]) as tf.Tensor2D;
    expectNoLeak(() => timeShift({ maxShift: 0.3, rollover: false })(wave, createRng(1)));
  });
});

describe('specAugmentTimeMask', () => {
  it('masks whole frames with maskValue, in one run narrower than maxWidth', () => {
    const [B, T, F] = [64, 30, 5];
    const spec = tf.tensor3d(
      Array.from({ length: B * T * F }, (_, i) => 1 + (i % 7)),
      [B, T, F],
    );
    const x = spec.arraySync();
    const out = specAugmentTimeMask({ maxWidth: 8, maskValue: -1 })(spec, createRng(1)).arraySync();
    const widths: number[] = [];
    out.forEach((frames, b) => {
      const masked = frames.map((f) => f.every((v) => v === -1));
      frames.forEach((f, t) => {
        if (!masked[t]) expect(f).toEqual(x[b][t]);
        else expect(f.every((v) => v === -1)).toBe(true);
        // no partial frames
        expect(f.some((v) => v === -1) && !masked[t]).toBe(false);
      });
      const first = masked.indexOf(true);
      const width = first < 0 ? 0 : masked.lastIndexOf(true) - first + 1;
      expect(masked.filter(Boolean).length).toBe(width); // one contiguous run
      widths.push(width);
    });
    expect(Math.max(...widths)).toBeLessThan(8);
    expect(new Set(widths).size).toBeGreaterThan(5); // widths 0..7 all plausible
  });

  it('draws numMasks masks per sample, honours p and maxProportion, works on waveforms', () => {
    const spec = tf.ones([32, 40, 2]) as tf.Tensor3D;
    const count = (y: number[][][]): number[] =>
      y.map((f) => f.filter((row) => row[0] === 0).length);
    const two = count(
      specAugmentTimeMask({ maxWidth: 6, numMasks: 2 })(spec, createRng(2)).arraySync(),
    );
    expect(Math.max(...two)).toBeLessThanOrEqual(10);
    expect(Math.max(...two)).toBeGreaterThan(5); // more than one mask's worth somewhere
    const capped = count(
      specAugmentTimeMask({ maxWidth: 30, maxProportion: 0.1 })(spec, createRng(3)).arraySync(),
    );
    expect(Math.max(...capped)).toBeLessThan(4);
    const some = count(specAugmentTimeMask({ maxWidth: 10, p: 0 })(spec, createRng(4)).arraySync());
    expect(Math.max(...some)).toBe(0);
    const wave = tf.ones([4, 50]) as tf.Tensor2D;
    const masked = specAugmentTimeMask<tf.Tensor2D>({ maxWidth: 20, maskValue: 0 })(
      wave,
      createRng(5),
    ).arraySync();
    expect(masked.some((row) => row.includes(0))).toBe(true);
  });

  it('is reproducible, validates, and leaks no tensors', () => {
    const spec = tf.ones([4, 10, 3]) as tf.Tensor3D;
    const mask = specAugmentTimeMask({ maxWidth: 4 });
    expect(mask(spec, createRng(1)).arraySync()).toEqual(mask(spec, createRng(1)).arraySync());
    expect(() => specAugmentTimeMask({ maxWidth: 2.5 })).toThrow(/maxWidth/);
    expectNoLeak(() => mask(spec, createRng(1)));
  });
});

describe('specAugmentFrequencyMask', () => {
  it('masks whole frequency bins with maskValue, in one run narrower than maxWidth', () => {
    const [B, T, F] = [64, 4, 20];
    const spec = tf.tensor3d(
      Array.from({ length: B * T * F }, (_, i) => 1 + (i % 5)),
      [B, T, F],
    );
    const x = spec.arraySync();
    const out = specAugmentFrequencyMask({ maxWidth: 6, maskValue: -3 })(
      spec,
      createRng(1),
    ).arraySync();
    const widths: number[] = [];
    out.forEach((frames, b) => {
      const masked = Array.from({ length: F }, (_, f) => frames.every((row) => row[f] === -3));
      frames.forEach((row, t) =>
        row.forEach((v, f) => expect(v).toBe(masked[f] ? -3 : x[b][t][f])),
      );
      const first = masked.indexOf(true);
      const width = first < 0 ? 0 : masked.lastIndexOf(true) - first + 1;
      expect(masked.filter(Boolean).length).toBe(width);
      widths.push(width);
    });
    expect(Math.max(...widths)).toBeLessThan(6);
    expect(new Set(widths).size).toBeGreaterThan(3);
    expect(new Set(out.map((s) => JSON.stringify(s))).size).toBeGreaterThan(10); // iid per sample
  });

  it('validates and leaks no tensors', () => {
    expect(() =>
      specAugmentFrequencyMask({ maxWidth: 3 })(tf.ones([2, 5]) as unknown as tf.Tensor3D),
    ).toThrow(/\[batch, time, freq\]/);
    const spec = tf.ones([4, 10, 8]) as tf.Tensor3D;
    expectNoLeak(() => specAugmentFrequencyMask({ maxWidth: 4, numMasks: 2 })(spec, createRng(1)));
  });
});
