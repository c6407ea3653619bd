import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { trackWasmBuffers } from './wasm-buffer-tracker';

describe('trackWasmBuffers', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('counts each buffer once, however many tensors share it', async () => {
    await initBackend('wasm', { quiet: true });
    const tracker = trackWasmBuffers(0)!;
    const a = tf.zeros([1000]); // 4,000 bytes
    const clones = [tf.clone(a), tf.clone(a), tf.reshape(a, [10, 100])]; // shared: no bytes
    expect(tracker.liveBytes).toBe(4000);
    const b = tf.neg(a); // a new 4,000-byte buffer
    expect(tracker.liveBytes).toBe(8000);
    tf.dispose([a, ...clones]); // the last reference to a's buffer goes
    expect(tracker.liveBytes).toBe(4000);
    b.dispose();
    expect(tracker.liveBytes).toBe(0);
    expect(tracker.stop()).toBe(8000);
    // Stopped: allocations no longer count.
    const c = tf.zeros([10]);
    expect(tracker.liveBytes).toBe(0);
    c.dispose();
  });

  it('starts from tfjs count by default, and is null off wasm', async () => {
    await initBackend('wasm', { quiet: true });
    const kept = tf.zeros([250]);
    const tracker = trackWasmBuffers()!;
    expect(tracker.liveBytes).toBe(tf.memory().numBytes);
    tracker.stop();
    kept.dispose();
    await tf.setBackend('cpu');
    expect(trackWasmBuffers()).toBeNull();
  });
});
