import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';

// Own test file: the wasm heap never shrinks, so the ~3.7 GB it grows to here stays with this
// worker process, which ends with the file.
describe('wasm out-of-memory guard', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('throws a clear error instead of handing out address 0, and the backend stays usable', async () => {
    await initBackend('wasm');
    const held: tf.Tensor[] = [];
    let error: Error | undefined;
    try {
      // 512 MB each: the heap cannot hold 16 of them.
      for (let i = 0; i < 16; i++) held.push(tf.fill([128 * 2 ** 20], i));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/wasm backend is out of memory: allocating 512 MB failed/);
    expect(error?.message).toMatch(/Reduce the batch size/);
    expect(held.length).toBeGreaterThan(2);
    // What was allocated before the failure is intact.
    expect(Array.from(await tf.slice(held[1], [0], [3]).data())).toEqual([1, 1, 1]);
    tf.dispose(held);
    const y = tf.add(tf.tensor1d([1, 2]), 1);
    expect(Array.from(await y.data())).toEqual([2, 3]);
    y.dispose();
  });
});
