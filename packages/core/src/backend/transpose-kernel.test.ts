import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';
import { simplifyTranspose } from './kernels/transpose';

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

  it('matches cpu for every permutation of ranks 2 to 4, tiles and ragged edges included', async () => {
    await expectWasmMatchesCpu(() => [
      tf.transpose(data([37, 70], 1)),
      tf.transpose(data([1, 33], 2)),
      ...permutations(3).map((p, i) => tf.transpose(data([5, 34, 3], 10 + i), p)),
      ...permutations(4).map((p, i) => tf.transpose(data([3, 1, 4, 35], 20 + i), p)),
      ...permutations(4).map((p, i) => tf.transpose(data([2, 3, 4, 5], 50 + i), p)),
    ]);
  });

  it('matches cpu for rank 5 and 6 and for int32 and bool tensors', async () => {
    await expectWasmMatchesCpu(() => [
      tf.transpose(data([2, 3, 2, 4, 3], 3), [4, 0, 3, 1, 2]),
      tf.transpose(data([2, 2, 3, 2, 3, 2], 4), [5, 3, 1, 0, 2, 4]),
      tf.cast(tf.transpose(tf.range(0, 60, 1, 'int32').reshape([3, 4, 5]), [2, 0, 1]), 'float32'),
      tf.cast(tf.transpose(tf.greater(data([4, 6], 5), 0).reshape([4, 6]), [1, 0]), 'float32'),
      tf.transpose(tf.zeros([0, 3]), [1, 0]),
    ]);
  });
});
