import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';

describe('wasm Tile, Slice, SplitV, Unpack and GatherV2 kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('Tile matches cpu for several ranks, reps and dtypes', async () => {
    await expectWasmMatchesCpu(() => [
      tf.tile(data([3], 1), [4]),
      tf.tile(data([1, 5], 2), [7, 1]),
      tf.tile(data([2, 3], 3), [3, 2]),
      tf.tile(data([2, 1, 3], 4), [1, 4, 2]),
      tf.tile(data([2, 3, 1, 2], 5), [2, 1, 3, 2]),
      tf.tile(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), [2, 3]),
      tf.cast(tf.tile(tf.tensor2d([true, false, false, true], [2, 2], 'bool'), [3, 1]), 'float32'),
      tf.broadcastTo(data([1, 4], 6), [5, 4]),
    ]);
  });

  it('Slice matches cpu, contiguous and not, rank 1 to 6', async () => {
    await expectWasmMatchesCpu(() => [
      tf.slice(data([10], 1), [3], [4]),
      tf.slice(data([6, 5], 2), [2, 0], [3, 5]),
      tf.slice(data([6, 5], 3), [1, 1], [4, 3]),
      tf.slice(data([4, 5, 6], 4), [1, 2, 0], [2, -1, 6]),
      tf.slice(data([3, 4, 5, 6], 5), [0, 1, 2, 3], [3, 2, 2, 2]),
      tf.slice(data([2, 3, 2, 3, 2, 3], 6), [1, 0, 1, 1, 0, 1], [1, 3, 1, 2, 2, 2]),
      tf.cast(
        tf.slice(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [0, 1], [2, 2]),
        'float32',
      ),
    ]);
  });

  it('SplitV and Unpack match cpu (and the gradient of concat, which splits)', async () => {
    await expectWasmMatchesCpu(() => {
      const x = data([4, 6, 3], 7);
      const a = data([2, 3], 8);
      const b = data([2, 5], 9);
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => {
        const c = tf.concat([p, q], 1);
        return tf.sum(tf.mul(c, c));
      })([a, b]);
      return [
        ...tf.split(x, [1, 3, 2], 1),
        ...tf.split(x, 2, 0),
        ...tf.unstack(x, 2),
        ...tf.unstack(x, 0),
        ...g,
      ];
    });
  });

  it('GatherV2 matches cpu on every axis, repeated indices, 2-d indices and int32', async () => {
    const idx = (v: number[], shape?: number[]) => tf.tensor(v, shape ?? [v.length], 'int32');
    await expectWasmMatchesCpu(() => [
      tf.gather(data([7, 5], 1), idx([6, 0, 3, 3])), // rows
      tf.gather(data([7, 5], 2), idx([4, 1]), 1), // columns: runs of 1
      tf.gather(data([3, 6, 4], 3), idx([5, 0, 2, 0], [2, 2]), 1), // middle axis, 2-d indices
      tf.gather(data([20], 4), idx([19, 0, 7])),
      tf.gather(data([4, 3], 5), idx([])),
      tf.cast(tf.gather(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), idx([2, 0])), 'float32'),
      // Its gradient (UnsortedSegmentSum) sums repeated rows.
      tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, idx([1, 1, 2])))))(data([3, 4], 6)),
    ]);
  });

  it('GatherV2 rejects an index out of range, naming it', () => {
    expect(() => tf.gather(data([3, 2], 7), tf.tensor1d([0, 3], 'int32'))).toThrow(
      /GatherV2: the index value 3 is not in \[0, 2\]/,
    );
  });
});

describe('wasm Identity kernel', () => {
  it('shares the buffer (no copy), and each tensor stays valid until its own disposal', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const buffersBefore = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffersBefore); // same buffer, one more reference
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    const z = tf.add(y, 1);
    expect(Array.from(await z.data())).toEqual([2, 3, 4]);
    tf.dispose([y, z]);
    expect(tf.memory().numDataBuffers).toBe(buffersBefore - 1);
    await tf.setBackend('cpu');
  });

  it('Cast to the same dtype shares the buffer too; other casts convert', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([1.5, -2, 3]);
    const buffersBefore = tf.memory().numDataBuffers;
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(buffersBefore);
    const asInt = tf.cast(x, 'int32');
    const asBool = tf.cast(x, 'bool');
    expect(tf.memory().numDataBuffers).toBe(buffersBefore + 2);
    x.dispose();
    expect(Array.from(await same.data())).toEqual([1.5, -2, 3]);
    expect(Array.from(await asInt.data())).toEqual([1, -2, 3]);
    expect(Array.from(await asBool.data())).toEqual([1, 1, 1]);
    expect(asInt.dtype).toBe('int32');
    tf.dispose([same, asInt, asBool]);
    expect(tf.memory().numDataBuffers).toBe(buffersBefore - 1);
    await tf.setBackend('cpu');
  });
});
