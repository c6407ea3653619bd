import * as tf from '@tensorflow/tfjs';
import { createRng } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { gaussianClusters } from '../test-utils';
import { KnnMonitor } from './knn-monitor';

describe('KnnMonitor', () => {
  it('logs held-out kNN top-1 every N steps: high for a useful encoder, low for a collapsed one', async () => {
    const rng = createRng(1);
    const tr = gaussianClusters(4, 25, 6, 3, rng);
    const te = gaussianClusters(4, 10, 6, 3, rng, tr.means);
    const train = { x: tf.tensor2d(tr.features, [tr.count, 6]), y: tr.labels };
    const test = { x: tf.tensor2d(te.features, [te.count, 6]), y: te.labels };
    const identity = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [6],
          units: 6,
          useBias: false,
          kernelInitializer: tf.initializers.identity({}),
        }),
      ],
    });
    const constant = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [6],
          units: 6,
          kernelInitializer: 'zeros',
          biasInitializer: 'ones',
        }),
      ],
    });
    const lines: string[] = [];
    const monitor = new KnnMonitor({ train, test, every: 2, k: 10, log: (m) => lines.push(m) });
    const before = tf.memory().numTensors;
    const logs = { metrics: {} as Record<string, number> };
    await monitor.onStepEnd(1, logs, { method: { encoder: identity } });
    expect(monitor.history).toEqual([]);
    await monitor.onStepEnd(2, logs, { method: { encoder: identity } });
    expect(logs.metrics.knnTop1).toBeGreaterThan(0.95);
    expect(logs.metrics.knnTop5).toBe(1);
    await monitor.onStepEnd(4, logs, { method: { encoder: constant } });
    expect(tf.memory().numTensors).toBe(before);
    expect(monitor.history.map((h) => h.step)).toEqual([2, 4]);
    expect(monitor.history[1].top1).toBeLessThanOrEqual(0.35);
    expect(lines[0]).toMatch(/^step 2: kNN \(k=10\) top-1 \d+\.\d\d%/);
    tf.dispose([train.x, test.x]);
    identity.dispose();
    constant.dispose();
  });

  it('checkpoints its history under a configurable name', () => {
    const x = tf.ones([2, 2]);
    const a = new KnnMonitor({
      train: { x, y: [0, 1] },
      test: { x, y: [0, 1] },
      name: 'knn200',
      k: 200,
    });
    expect(a.name).toBe('knn200');
    expect(new KnnMonitor({ train: { x, y: [0, 1] }, test: { x, y: [0, 1] } }).name).toBe(
      'KnnMonitor',
    );
    a.history.push({ step: 5, top1: 0.5, top5: 0.9 });
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = new KnnMonitor({ train: { x, y: [0, 1] }, test: { x, y: [0, 1] } });
    b.loadState(saved);
    expect(b.history).toEqual([{ step: 5, top1: 0.5, top5: 0.9 }]);
    expect(() => b.loadState({})).toThrow(/expected an array/);
    x.dispose();
  });

  it('validates every', () => {
    const x = tf.ones([2, 2]);
    expect(
      () => new KnnMonitor({ train: { x, y: [0, 1] }, test: { x, y: [0, 1] }, every: -1 }),
    ).toThrow(/every/);
    x.dispose();
  });
});
