// Smoke test on the wasm backend: the transforms run there (no Einsum, no missing kernel) and
// give the cpu backend's values for the same seed.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import {
  adjustHue,
  colorJitter,
  compose,
  gaussianBlur,
  horizontalFlip,
  normalize,
  randomApply,
  randomGrayscale,
  randomResizedCrop,
  addNoise,
  randomGain,
  resizedCrop,
  rgbToGrayscale,
  rotate90,
  solarize,
  specAugmentFrequencyMask,
  specAugmentTimeMask,
  timeShift,
  type Transform,
} from './index';
import { expectClose, randomImages } from './_test-utils';

const simclr = compose([
  randomResizedCrop({ size: 12 }),
  horizontalFlip(),
  colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
  randomGrayscale({ p: 0.2 }),
]);

const cases: [string, Transform][] = [
  ['simclr pipeline', simclr],
  ['randomResizedCrop', randomResizedCrop({ size: [10, 14] })],
  ['colorJitter', colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 })],
  ['gaussianBlur', gaussianBlur({ kernelSize: 5, p: 0.5 })],
  ['solarize', solarize({ p: 0.5 })],
  ['rotate90', rotate90()],
  ['normalize', normalize({ mean: 0.5, std: 0.25 })],
  ['randomApply', randomApply(horizontalFlip({ p: 1 }), 0.5)],
  ['rgbToGrayscale', (x) => rgbToGrayscale(x, 3)],
  ['adjustHue', (x) => adjustHue(x, 0.3)],
];

function runAll(): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const channels of [3, 1]) {
    const img = randomImages([8, 16, 16, channels], channels);
    for (const [name, t] of cases) {
      if (channels === 1 && (name === 'rgbToGrayscale' || name === 'adjustHue')) continue;
      const before = tf.memory().numTensors;
      const y = t(img, createRng(11));
      out[`${name}/${channels}`] = y.dataSync() as Float32Array;
      y.dispose();
      expect(tf.memory().numTensors, `${name} leaked on ${tf.getBackend()}`).toBe(before);
    }
    img.dispose();
  }
  // Boxes as wide as the output, 1 row tall: the case of the wasm kernel's row-copy bug.
  const strip = randomImages([6, 5, 12, 3], 5);
  const boxes = Array.from({ length: 6 }, (_, i) => ({ top: i % 5, left: i, height: 1, width: 6 }));
  const strips = resizedCrop(strip, boxes, [1, 6]);
  out['resizedCrop strips'] = strips.dataSync() as Float32Array;
  tf.dispose([strip, strips]);
  // Audio: waveforms [B, T] and spectrograms [B, T, F].
  const wave = tf.tensor2d(
    Array.from({ length: 6 * 300 }, (_, i) => Math.sin(i / 7)),
    [6, 300],
  );
  const spec = tf.tensor3d(
    Array.from({ length: 6 * 40 * 8 }, (_, i) => (i % 13) / 13),
    [6, 40, 8],
  );
  const audio: [string, tf.Tensor, Transform<tf.Tensor>][] = [
    ['timeShift roll', wave, timeShift({ maxShift: 0.3 })],
    ['timeShift zeros', spec, timeShift({ maxShift: 10, unit: 'samples', rollover: false })],
    ['randomGain', wave, randomGain()],
    ['addNoise', wave, addNoise({ snrDb: [5, 20] })],
    ['timeMask', spec, specAugmentTimeMask({ maxWidth: 10, numMasks: 2, maskValue: -1 })],
    ['freqMask', spec, specAugmentFrequencyMask({ maxWidth: 4, numMasks: 2 })],
  ];
  for (const [name, x, t] of audio) {
    const before = tf.memory().numTensors;
    const y = t(x, createRng(12));
    out[name] = y.dataSync() as Float32Array;
    y.dispose();
    expect(tf.memory().numTensors, `${name} leaked on ${tf.getBackend()}`).toBe(before);
  }
  tf.dispose([wave, spec]);
  return out;
}

describe('augmentations on the wasm backend', () => {
  let onCpu: Record<string, Float32Array>;

  beforeAll(async () => {
    onCpu = runAll();
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(`${dirname(entry)}/`);
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('runs every transform and matches the cpu backend', () => {
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = runAll();
    expect(Object.keys(onWasm)).toEqual(Object.keys(onCpu));
    for (const key of Object.keys(onCpu)) {
      expect(onWasm[key].every(Number.isFinite), key).toBe(true);
      try {
        expectClose(onWasm[key], onCpu[key], 1e-4);
      } catch (e) {
        throw new Error(`${key}: ${(e as Error).message}`);
      }
    }
  });
});
