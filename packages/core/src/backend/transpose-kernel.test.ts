import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';
import { LARGE_TRANSPOSE, simplifyTranspose, transposeInto } from './kernels/transpose';

/** Every permutation of [0, n). */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) =>
    [...Array(n).keys()].map((i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

describe('wasm Transpose kernel', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('merges adjacent axes and drops size-1 axes', () => {
    expect(simplifyTranspose([2, 3, 4], [1, 2, 0])).toEqual({ shape: [2, 12], perm: [1, 0] });
    expect(simplifyTranspose([2, 1, 4], [2, 1, 0])).toEqual({ shape: [2, 4], perm: [1, 0] });
    expect(simplifyTranspose([5, 6, 7, 8], [0, 1, 3, 2])).toEqual({
      shape: [30, 7, 8],
      perm: [0, 2, 1],
    });
    expect(simplifyTranspose([3, 4], [0, 1])).toEqual({ shape: [12], perm: [0] });
  });

  it('transposeInto matches a brute-force transpose for every permutation that moves the last axis', () => {
    for (const shape of [
      [37, 70],
      [5, 34, 3],
      [3, 2, 4, 35],
      [2, 3, 4, 5],
      [33, 1, 65],
    ]) {
      const n = shape.reduce((x, y) => x * y, 1);
      const src = Float32Array.from({ length: n }, (_, i) => i);
      const inSt = shape.map((_, i) => shape.slice(i + 1).reduce((x, y) => x * y, 1));
      for (const perm of permutations(shape.length)) {
        if (perm[perm.length - 1] === perm.length - 1) continue;
        const dst = new Float32Array(n);
        transposeInto(src, dst, shape, perm);
        const outShape = perm.map((a) => shape[a]);
        const idx = new Array<number>(shape.length).fill(0);
        for (let o = 0; o < n; o++) {
          const at = idx.reduce((acc, v, k) => acc + v * inSt[perm[k]], 0);
          if (dst[o] !== src[at]) {
            expect.fail(`shape ${shape} perm ${perm}: output ${o} is ${dst[o]}, want ${src[at]}`);
          }
          for (let k = shape.length - 1; k >= 0; k--) {
            if (++idx[k] < outShape[k]) break;
            idx[k] = 0;
          }
        }
      }
    }
  });

  it('matches cpu on tensors large enough to take the heap path, and small ones (stock)', async () => {
    const big = LARGE_TRANSPOSE + 4096; // just above the threshold
    await expectWasmMatchesCpu(() => [
      tf.transpose(data([2048, big / 2048], 1)),
      tf.transpose(data([64, 16, big / 1024 / 4, 4], 2), [3, 1, 2, 0]),
      tf.transpose(data([64, 16, big / 1024 / 4, 4], 3), [0, 2, 1, 3]), // runs: stock
      tf.cast(
        tf.transpose(tf.range(0, big, 1, 'int32').reshape([big / 1024, 1024]), [1, 0]),
        'float32',
      ),
      tf.transpose(data([5, 34, 3], 4), [2, 0, 1]),
      tf.transpose(tf.zeros([0, 3]), [1, 0]),
    ]);
  });

  it('shares the buffer when the data keeps its order (identity, or only size-1 axes move)', async () => {
    await initBackend('wasm');
    const x = data([3, 1, 4], 5);
    const buffers = tf.memory().numDataBuffers;
    const same = tf.transpose(x, [0, 1, 2]);
    const moved = tf.transpose(x, [1, 0, 2]); // [1, 3, 4]: same order in memory
    expect(tf.memory().numDataBuffers).toBe(buffers);
    expect(moved.shape).toEqual([1, 3, 4]);
    expect(Array.from(moved.dataSync())).toEqual(Array.from(x.dataSync()));
    x.dispose();
    expect(Array.from(same.dataSync())).toHaveLength(12); // still valid after x's disposal
    const swapped = tf.transpose(same, [2, 1, 0]); // a real transpose: a new buffer
    expect(tf.memory().numDataBuffers).toBe(buffers + 1);
    tf.dispose([same, moved, swapped]);
    await tf.setBackend('cpu');
  });
});
