import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { MemoryQueue } from './memory-queue';

const rowsOf = (t: tf.Tensor2D): number[][] => t.arraySync();

/** Key number k as a row: [k, k + 0.5, −k]. */
const key = (k: number): number[] => [k, k + 0.5, -k];

describe('MemoryQueue', () => {
  it('is a FIFO ring buffer: matches a one-key-at-a-time JS model, with wraparound', () => {
    const size = 5;
    const queue = new MemoryQueue({ size, dim: 3, initialize: 'zeros' });
    const model: number[][] = Array.from({ length: size }, () => [0, 0, 0]);
    let ptr = 0;
    const history: number[][] = [];
    let next = 1;
    // Batches that fit, wrap around the end, fill exactly, and exceed the queue.
    for (const n of [2, 2, 3, 1, 5, 0, 7, 4, 12]) {
      const batch = Array.from({ length: n }, () => key(next++));
      const keys = tf.tensor2d(batch, [n, 3]);
      queue.enqueue(keys);
      keys.dispose();
      for (const row of batch) {
        model[ptr] = row;
        ptr = (ptr + 1) % size;
        history.push(row);
      }
      expect(rowsOf(queue.get())).toEqual(model);
      expect(queue.pointer).toBe(ptr);
      expect(queue.filled).toBe(Math.min(size, history.length));
      if (history.length >= size) {
        // Reading from the pointer (the oldest) around the ring gives the newest keys in order.
        const rows = rowsOf(queue.get());
        const fifo = Array.from({ length: size }, (_, i) => rows[(queue.pointer + i) % size]);
        expect(fifo).toEqual(history.slice(-size));
      }
    }
    queue.dispose();
  });

  it('counts filled rows so never-written random rows can be skipped', () => {
    const queue = new MemoryQueue({ size: 6, dim: 3 }, createRng(1));
    const keys = tf.tensor2d([key(1), key(2)]);
    queue.enqueue(keys);
    expect(queue.filled).toBe(2);
    expect(rowsOf(queue.get()).slice(0, 2)).toEqual([key(1), key(2)]);
    queue.enqueue(keys);
    queue.enqueue(keys);
    queue.enqueue(keys);
    expect(queue.filled).toBe(6);
    keys.dispose();
    queue.dispose();
  });

  it('initializes with unit-norm gaussian rows, reproducibly from the rng', () => {
    const a = new MemoryQueue({ size: 64, dim: 8 }, createRng(7));
    const b = new MemoryQueue({ size: 64, dim: 8 }, createRng(7));
    const c = new MemoryQueue({ size: 64, dim: 8 }, createRng(8));
    const rows = rowsOf(a.get());
    rows.forEach((r) => expect(Math.hypot(...r)).toBeCloseTo(1, 5));
    expect(rowsOf(b.get())).toEqual(rows);
    expect(rowsOf(c.get())).not.toEqual(rows);
    // Roughly zero-mean coordinates (isotropic directions): |mean| well below 1/sqrt(8).
    const mean = rows.flat().reduce((s, v) => s + v, 0) / (64 * 8);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(a.filled).toBe(0);
    [a, b, c].forEach((q) => q.dispose());
  });

  it('round-trips its state and continues identically', () => {
    const q1 = new MemoryQueue({ size: 4, dim: 3 }, createRng(3));
    const k1 = tf.tensor2d([key(1), key(2), key(3)]);
    q1.enqueue(k1);
    const saved = q1.state();
    const q2 = new MemoryQueue({ size: 4, dim: 3, initialize: 'zeros' });
    q2.loadState(saved);
    saved.queue.dispose(); // the queue keeps its own copy
    expect([q2.pointer, q2.filled]).toEqual([3, 3]);
    const k2 = tf.tensor2d([key(4), key(5)]);
    q1.enqueue(k2);
    q2.enqueue(k2);
    expect(rowsOf(q2.get())).toEqual(rowsOf(q1.get()));
    expect([q2.pointer, q2.filled]).toEqual([q1.pointer, q1.filled]);
    const wrong = tf.zeros([5, 3]);
    expect(() => q2.loadState({ queue: wrong as tf.Tensor2D, pointer: 0, filled: 0 })).toThrow(
      /expected a queue of shape \[4, 3\], got \[5, 3\]/,
    );
    const right = tf.zeros([4, 3]);
    expect(() => q2.loadState({ queue: right as tf.Tensor2D, pointer: 4, filled: 0 })).toThrow(
      /pointer must be an integer in \[0, 4\)/,
    );
    tf.dispose([k1, k2, wrong, right]);
    q1.dispose();
    q2.dispose();
  });

  it('rejects keys of the wrong width, leaks nothing, and refuses use after dispose', () => {
    const queue = new MemoryQueue({ size: 8, dim: 3 }, createRng(0));
    const bad = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => queue.enqueue(bad)).toThrow(/expected keys of shape \[n, 3\], got \[2, 4\]/);
    const keys = tf.ones([3, 3]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) queue.enqueue(keys);
    expect(tf.memory().numTensors).toBe(before);
    queue.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
    expect(() => queue.get()).toThrow(/disposed/);
    tf.dispose([bad, keys]);
  });
});
