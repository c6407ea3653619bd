// Measures what prefetching buys a training loop: samples/s of the Trainer with and without
// `.prefetch(2)`, for (a) JPEG decoding from a folder (sharp decodes in libuv threads, so it can
// overlap the step) and (b) in-memory MNIST with a tensor augmentation (synchronous JS/wasm work
// on the main thread, which prefetching cannot overlap), and (c) a source with 25 ms of I/O
// latency per batch (a network or cold-disk read), the case prefetching is for.
//   node --import tsx packages/core/src/data/bench/prefetch.ts [steps]
// Needs ../shared/data/vision/cifar10-train-5k beside the repository for (a).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { randomResizedCrop } from '../../../packages/core/src/augment/index';
import { initBackend } from '../../../packages/core/src/backend/index';
import { AdamW } from '../../../packages/core/src/optim/index';
import { createRng } from '../../../packages/core/src/random/index';
import { modelVariables, Trainer, type SSLMethod } from '../../../packages/core/src/train/index';
import {
  Dataset,
  imageArraysDataset,
  imageFolder,
  loadMnist,
} from '../../../packages/core/src/data/index';

const steps = Number(process.argv[2] ?? 60);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cifar = path.resolve(repoRoot, '../shared/data/vision/cifar10-train-5k');

type Batch = { image: tf.Tensor4D } | { views: tf.Tensor4D[] };

/** A two-layer MLP regressing its own (detached) random projection: a fixed, realistic step cost. */
class Probe implements SSLMethod<Batch> {
  readonly name = 'probe';
  readonly encoder: tf.Sequential;
  constructor(inputShape: number[]) {
    this.encoder = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape, name: 'flat' }),
        tf.layers.dense({
          units: 128,
          activation: 'relu',
          name: 'fc0',
          kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
        }),
        tf.layers.dense({
          units: 64,
          name: 'fc1',
          kernelInitializer: tf.initializers.heNormal({ seed: 2 }),
        }),
      ],
    });
  }
  trainableVariables() {
    return modelVariables(this.encoder, 'e', true);
  }
  allVariables() {
    return modelVariables(this.encoder, 'e');
  }
  loss(batch: Batch) {
    const x = 'image' in batch ? batch.image : batch.views[0];
    const z = this.encoder.apply(x, { training: true }) as tf.Tensor2D;
    return { loss: tf.mean(tf.square(tf.sub(z, 1))) as tf.Scalar };
  }
  config() {
    return {};
  }
}

async function train(data: Dataset<Batch>, inputShape: number[]): Promise<number> {
  const method = new Probe(inputShape);
  const summary = await new Trainer<Batch>({
    method,
    optimizer: new AdamW({ learningRate: 1e-3 }),
    data: data.repeat(),
    steps,
    progress: false,
    log: () => undefined,
  }).fit();
  method.encoder.dispose();
  return summary.samplesPerSecond;
}

/** Samples/s of iterating the pipeline alone (no training), for `steps` batches. */
async function readOnly(data: Dataset<Batch>): Promise<number> {
  const start = performance.now();
  let samples = 0;
  const it = data.repeat().open(0);
  for (let i = 0; i < steps; i++) {
    const r = await it.next();
    const b = r.value as Batch;
    samples += ('image' in b ? b.image : b.views[0]).shape[0];
    tf.dispose(Object.values(b));
  }
  await it.return();
  return samples / ((performance.now() - start) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs each configuration `repeats` times, interleaved, and prints medians. */
async function measure(
  name: string,
  configs: {
    label: string;
    make: () => Promise<Dataset<Batch>>;
    prefetch: boolean;
    trainShape?: number[];
  }[],
  repeats = 3,
): Promise<void> {
  const results = configs.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < configs.length; i++) {
      const c = configs[i];
      const base = await c.make();
      const data = c.prefetch ? base.prefetch(2) : base;
      results[i].push(c.trainShape ? await train(data, c.trainShape) : await readOnly(data));
    }
  }
  console.log(`${name} (${steps} batches per run, median of ${repeats} interleaved runs)`);
  configs.forEach((c, i) =>
    console.log(
      `  ${c.label.padEnd(46)} ${median(results[i]).toFixed(0).padStart(6)} samples/s   (runs: ${results[i].map((v) => v.toFixed(0)).join(', ')})`,
    ),
  );
}

const info = await initBackend('wasm');
console.log(`backend ${info.name}; machine shared with other jobs: expect noise of 10-30%`);

if (existsSync(cifar)) {
  const folder = (concurrency: number) => async () =>
    (await imageFolder(cifar, { size: 32, shuffle: true, concurrency }, createRng(0))).batch(64, {
      dropRemainder: true,
    }) as Dataset<Batch>;
  const shape = [32, 32, 3];
  await measure('CIFAR-10 JPEG folder (sharp decode), batch 64', [
    { label: 'read only, concurrency 4', make: folder(4), prefetch: false },
    { label: 'read only, concurrency 32', make: folder(32), prefetch: false },
    {
      label: 'train, concurrency 4, no prefetch',
      make: folder(4),
      prefetch: false,
      trainShape: shape,
    },
    {
      label: 'train, concurrency 4, prefetch(2)',
      make: folder(4),
      prefetch: true,
      trainShape: shape,
    },
    {
      label: 'train, concurrency 32, no prefetch',
      make: folder(32),
      prefetch: false,
      trainShape: shape,
    },
    {
      label: 'train, concurrency 32, prefetch(2)',
      make: folder(32),
      prefetch: true,
      trainShape: shape,
    },
  ]);
} else {
  console.log(`(skipping the JPEG folder case: ${cifar} is absent)`);
}

const mnist = await loadMnist({ limit: 20_000, download: false });
const pairs = async () =>
  imageArraysDataset(mnist)
    .shuffle(undefined, createRng(0))
    .batch(128, { dropRemainder: true })
    .twoViews(
      randomResizedCrop({ size: 28, scale: [0.4, 1] }),
      createRng(1),
    ) as unknown as Dataset<Batch>;
await measure('MNIST in memory + random resized crop (main thread), batch 128', [
  { label: 'read only', make: pairs, prefetch: false },
  { label: 'train, no prefetch', make: pairs, prefetch: false, trainShape: [28, 28, 1] },
  { label: 'train, prefetch(2)', make: pairs, prefetch: true, trainShape: [28, 28, 1] },
]);

// (c) I/O latency: each batch arrives 25 ms after it is asked for (timers, not CPU), like a read
// from a network filesystem; the step's compute can overlap it.
const slow = async () =>
  Dataset.fromGenerator(async function* () {
    const rng = createRng(3);
    for (let i = 0; i < 1000; i++) {
      await new Promise((r) => setTimeout(r, 25));
      yield {
        image: tf.tensor4d(
          Float32Array.from({ length: 128 * 784 }, () => rng.float()),
          [128, 28, 28, 1],
        ),
      };
    }
  }) as Dataset<Batch>;
await measure('Source with 25 ms I/O latency per batch, batch 128', [
  { label: 'read only', make: slow, prefetch: false },
  { label: 'train, no prefetch', make: slow, prefetch: false, trainShape: [28, 28, 1] },
  { label: 'train, prefetch(2)', make: slow, prefetch: true, trainShape: [28, 28, 1] },
]);
