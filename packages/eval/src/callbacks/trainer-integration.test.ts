// The monitors inside core's Trainer: their results land in metrics.jsonl, which the report plots.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng, Dataset, modelVariables, SGD, Trainer, type SSLMethod } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../report/write-report';
import { gaussianClusters } from '../test-utils';
import { CollapseMonitor } from './collapse-monitor';
import { KnnMonitor } from './knn-monitor';

interface Batch {
  x: tf.Tensor2D;
}

/** A tiny method: an MLP encoder pulled towards a fixed random projection of its input. */
class Regression implements SSLMethod<Batch> {
  readonly name = 'regression';
  readonly encoder = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [6],
        units: 8,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        name: 'int_fc1',
      }),
      tf.layers.dense({
        units: 4,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        name: 'int_fc2',
      }),
    ],
  });
  private readonly projection = tf.randomNormal([6, 4], 0, 1, 'float32', 3);
  trainableVariables() {
    return modelVariables(this.encoder, 'encoder', true);
  }
  allVariables() {
    return modelVariables(this.encoder, 'encoder');
  }
  loss(batch: Batch) {
    const z = this.encoder.apply(batch.x, { training: true }) as tf.Tensor2D;
    return {
      loss: tf.mean(tf.square(tf.sub(z, tf.matMul(batch.x, this.projection)))) as tf.Scalar,
    };
  }
  config() {
    return {};
  }
}

describe('monitors in the Trainer', () => {
  it('add knnTop1 / embeddingStd / effectiveRank to metrics.jsonl, and the report plots them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'selfsup-eval-trainer-'));
    try {
      const rng = createRng(1);
      const tr = gaussianClusters(3, 20, 6, 3, rng);
      const te = gaussianClusters(3, 10, 6, 3, rng, tr.means);
      const train = { x: tf.tensor2d(tr.features, [tr.count, 6]), y: tr.labels };
      const test = { x: tf.tensor2d(te.features, [te.count, 6]), y: te.labels };
      const batches = Array.from({ length: 6 }, (_, i) => ({
        x: tf.slice(train.x, [i * 10], [10]) as tf.Tensor2D,
      }));
      const method = new Regression();
      const lines: string[] = [];
      const knn = new KnnMonitor({ train, test, every: 3, k: 5 });
      const collapse = new CollapseMonitor({ inputs: test.x, every: 2 });
      const trainer = new Trainer<Batch>({
        method,
        optimizer: new SGD({ learningRate: 0.05 }),
        data: Dataset.fromArray(batches),
        epochs: 1,
        callbacks: [knn, collapse],
        runDir: join(dir, 'run'),
        progress: false,
        log: (m) => lines.push(m),
      });
      const summary = await trainer.fit();
      expect(summary.steps).toBe(6);
      expect(knn.history.map((h) => h.step)).toEqual([3, 6]);
      expect(collapse.history.map((h) => h.step)).toEqual([2, 4, 6]);
      expect(lines.some((l) => /^step 3: kNN \(k=5\) top-1/.test(l))).toBe(true);

      const metricsPath = join(dir, 'run', 'metrics.jsonl');
      const rows = (await readFile(metricsPath, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const stepRows = rows.filter((r) => r.type === 'step');
      expect(stepRows.filter((r) => 'knnTop1' in r).map((r) => r.step)).toEqual([3, 6]);
      expect(stepRows.find((r) => r.step === 6).knnTop1).toBe(knn.history[1].top1);
      expect(stepRows.filter((r) => 'embeddingStd' in r).map((r) => r.step)).toEqual([2, 4, 6]);

      const { data, htmlPath } = await writeReport({
        outDir: join(dir, 'run'),
        metrics: metricsPath,
      });
      expect(data.metrics.length).toBe(rows.length);
      const html = await readFile(htmlPath, 'utf8');
      for (const chart of ['loss', 'lr', 'knn', 'metric-embeddingStd', 'metric-effectiveRank']) {
        expect(html).toContain(`data-chart="${chart}"`);
      }
      tf.dispose([train.x, test.x, ...batches.map((b) => b.x)]);
      method.encoder.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
