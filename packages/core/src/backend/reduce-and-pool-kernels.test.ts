import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectWasmMatchesCpu, runOn } from './_test-utils';
import { initBackend } from './init-backend';
import { nativeKernelsStatus } from './native-kernels';

describe('wasm Sum, Mean and MaxPoolGrad kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('Sum and Mean over leading and middle axes match cpu (and the stock trailing cases)', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([5, 4, 3, 6], 1);
      return [
        tf.mean(x, [0, 1, 2]),
        tf.sum(x, [0, 1, 2], true),
        tf.sum(x, [1]),
        tf.mean(x, [1, 2], true),
        tf.sum(x, 0),
        tf.mean(x, [-3, -2]),
        tf.sum(x, [3]), // trailing: native, else the stock kernel
        tf.mean(x, [2, 3], true), // trailing, keepDims: native, else the stock kernel
        tf.mean(x, [0, 2]), // not contiguous: stock kernel
        tf.sum(x), // everything: native, else the stock kernel
        tf.sum(data([1, 7], 2), 0), // one row
      ];
    });
  });

  it('Max over contiguous axes matches cpu; with native kernels a NaN propagates as on cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([6, 50, 70], 3);
      return [
        tf.max(x, -1),
        tf.max(x, [0, 1], true),
        tf.max(x, 1),
        tf.max(x),
        tf.max(x, [0, 2]), // not contiguous: stock kernel
      ];
    });
    const nan = () => tf.max(tf.concat([data([3, 40], 4), tf.fill([3, 1], NaN)], 1), -1);
    const [cpu] = await runOn('cpu', nan);
    expect(Array.from(cpu).every(Number.isNaN)).toBe(true);
    if (nativeKernelsStatus().active) {
      const [wasm] = await runOn('wasm', nan);
      expect(Array.from(wasm).every(Number.isNaN)).toBe(true);
    }
  });

  it('a leading-axis mean of many rows stays accurate (float64 accumulation)', async () => {
    const rows = 200_000;
    const [got, all] = await runOn('wasm', () => [
      tf.mean(tf.fill([rows, 2], 0.1), 0),
      tf.mean(tf.fill([rows * 2], 0.1)),
    ]);
    expect(Math.abs(got[0] - 0.1)).toBeLessThan(1e-7);
    expect(Math.abs(got[1] - 0.1)).toBeLessThan(1e-7);
    // A mean over every axis goes to the native kernel (double sums) where it is installed; the
    // stock wasm kernel sums in float32 (~5e-5 off here).
    if (nativeKernelsStatus().active) expect(Math.abs(all[0] - 0.1)).toBeLessThan(1e-7);
  });

  it('int32 sums keep their dtype (stock kernel)', async () => {
    await tf.setBackend('wasm');
    const s = tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual([4, 6]);
    s.dispose();
  });

  it('MaxPoolGrad matches cpu for valid, same, overlapping and strided windows', async () => {
    const cases: Array<[number[], number, number, 'valid' | 'same']> = [
      [[2, 8, 8, 3], 2, 2, 'valid'],
      [[2, 7, 9, 4], 3, 2, 'same'],
      [[1, 6, 6, 5], 3, 1, 'same'],
      [[3, 5, 5, 2], 2, 1, 'valid'],
    ];
    await expectWasmMatchesCpu(() =>
      cases.map(([shape, k, s, pad], i) =>
        tf.grad((x: tf.Tensor) => {
          const y = tf.maxPool(x as tf.Tensor4D, k, s, pad);
          return tf.sum(tf.mul(y, data(y.shape, 10 + i)));
        })(data(shape, i + 1) as tf.Tensor4D),
      ),
    );
  });

  it('MaxPoolGrad gives a tied window its gradient at the first position, as cpu does', async () => {
    await expectWasmMatchesCpu(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(
        tf.zeros([1, 4, 4, 2]) as tf.Tensor4D,
      ),
    );
    const [g] = await runOn('wasm', () =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(
        tf.zeros([1, 2, 2, 1]) as tf.Tensor4D,
      ),
    );
    expect(Array.from(g)).toEqual([1, 0, 0, 0]);
  });
});

describe('wasm OneHot kernel', () => {
  it('gives float32 one-hot rows (stock wasm returned zeros), -1 and out-of-range as zero rows', async () => {
    await initBackend('wasm');
    await expectWasmMatchesCpu(() => [
      tf.oneHot(tf.tensor1d([1, -1, 3, 0, 7], 'int32'), 5, 1, 0, 'float32'),
      tf.oneHot(tf.tensor1d([2, 0], 'int32'), 4, 0.5, -2, 'float32'),
      tf.cast(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3), 'float32'),
    ]);
    await tf.setBackend('wasm');
    const y = tf.oneHot(tf.tensor1d([1], 'int32'), 2, 1, 0, 'float32');
    expect(y.dtype).toBe('float32');
    expect(Array.from(await y.data())).toEqual([0, 1]);
    y.dispose();
    await tf.setBackend('cpu');
  });
});
