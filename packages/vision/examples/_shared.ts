// Shared driver of the examples: data (MNIST, or the CIFAR-10 5k image folder), the encoder, a
// Trainer run, and the evaluation beside the raw-pixel and random-init baselines (@selfsup/eval).
//
//   node --import tsx examples/simclr.ts --data mnist --steps 300
//   node --import tsx examples/simclr.ts --data cifar10 --steps 300
//
// Flags: --data mnist|cifar10, --steps N, --batch N, --widths 32,64,128, --lr X (AdamW),
// --optimizer adamw|paper (paper: the method's recommended LARS/SGD/AdamW recipe), --seed N,
// --eval-train N, --eval-test N.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  AdamW,
  Dataset,
  Trainer,
  createRng,
  imageArraysDataset,
  imageFolder,
  initBackend,
  loadMnist,
  warmupCosine,
  type ImageArrays,
  type ImageSample,
  type Optimizer,
  type Rng,
  type SSLMethod,
  type Schedule,
} from '@selfsup/core';
import { baselines, type EvaluationRow } from '@selfsup/eval';
import {
  smallConvNet,
  type OptimizerRecipe,
  type RecommendedOptimizer,
  type ViewsBatch,
} from '../src/index';

/** A batch of images with labels, as the data pipeline yields before the views are made. */
export type ImageBatch = { image: tf.Tensor4D; label: number[] };

/** What an example's `build` gets. */
export interface BuildContext {
  encoder: tf.LayersModel;
  featureDim: number;
  /** Image side and channels. */
  size: number;
  channels: number;
  /** Images the method pretrains on. */
  datasetSize: number;
  batchSize: number;
  steps: number;
  stepsPerEpoch: number;
  rng: Rng;
}

/** What an example's `build` returns: the method, how to make its views, its optimizer recipe. */
export interface BuiltMethod {
  method: SSLMethod<ViewsBatch>;
  /** Turns batches of `{ image, label }` into `{ views, label }` (twoViews, dinoMultiCrop, ...). */
  views: (batches: Dataset<ImageBatch>, rng: Rng) => Dataset<ViewsBatch>;
  /** The method's recommended optimizer (used with `--optimizer paper`). */
  recommended: (options: {
    batchSize: number;
    totalSteps: number;
    stepsPerEpoch: number;
  }) => RecommendedOptimizer;
  /** Learning rate of the default AdamW (small-scale setting). Default 1e-3. */
  adamwLearningRate?: number;
  /** Gradient clipping for the Trainer (DINO: 3). */
  clipNorm?: number;
  /** Frees method-owned tensors (EMA targets, queues). */
  dispose?: () => void;
}

interface ExampleData {
  name: string;
  size: number;
  channels: number;
  pretrain: ImageArrays;
  evalTrain: { x: tf.Tensor4D; y: Int32Array };
  evalTest: { x: tf.Tensor4D; y: Int32Array };
}

const CIFAR_DIR = join(import.meta.dirname, '../../../../shared/data/vision/cifar10-train-5k');

function arraysToTensor(
  a: ImageArrays,
  from: number,
  count: number,
): { x: tf.Tensor4D; y: Int32Array } {
  const size = a.height * a.width * a.channels;
  const pixels = new Float32Array(count * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = a.images[from * size + i] / 255;
  return {
    x: tf.tensor4d(pixels, [count, a.height, a.width, a.channels]),
    y: Int32Array.from(a.labels.subarray(from, from + count)),
  };
}

async function loadData(
  which: string,
  evalTrain: number,
  evalTest: number,
  rng: Rng,
): Promise<ExampleData | null> {
  if (which === 'mnist') {
    const train = await loadMnist({ split: 'train' });
    const test = await loadMnist({ split: 'test', limit: evalTest });
    return {
      name: 'MNIST',
      size: 28,
      channels: 1,
      pretrain: train,
      evalTrain: arraysToTensor(train, 0, Math.min(evalTrain, train.count)),
      evalTest: arraysToTensor(test, 0, test.count),
    };
  }
  if (which === 'cifar10') {
    if (!existsSync(CIFAR_DIR)) {
      console.log(
        `skipping CIFAR-10: ${CIFAR_DIR} is absent (expected class folders of 32x32 images)`,
      );
      return null;
    }
    const folder = await imageFolder(CIFAR_DIR, { size: 32, channels: 3 });
    const samples: ImageSample[] = await folder.toArray();
    // A seeded 80/20 split of the 5,000 images: pretraining and kNN/probe training on 4,000, test on 1,000.
    const order = rng.permutation(samples.length);
    const nTest = Math.min(evalTest, Math.round(samples.length * 0.2));
    const bytes = (idx: ArrayLike<number>): ImageArrays => {
      const images = new Uint8Array(idx.length * 32 * 32 * 3);
      const labels = new Uint8Array(idx.length);
      Array.from(idx).forEach((j, i) => {
        images.set(
          Array.from(samples[j].image.dataSync(), (v) => Math.round(v * 255)),
          i * 3072,
        );
        labels[i] = samples[j].label;
      });
      return {
        images,
        labels,
        count: idx.length,
        height: 32,
        width: 32,
        channels: 3,
        classNames: [...folder.classNames],
      };
    };
    const trainSet = bytes(order.subarray(nTest));
    const testSet = bytes(order.subarray(0, nTest));
    tf.dispose(samples.map((s) => s.image));
    return {
      name: 'CIFAR-10 (5k subset)',
      size: 32,
      channels: 3,
      pretrain: trainSet,
      evalTrain: arraysToTensor(trainSet, 0, Math.min(evalTrain, trainSet.count)),
      evalTest: arraysToTensor(testSet, 0, testSet.count),
    };
  }
  throw new Error(`--data must be mnist or cifar10, got '${which}'`);
}

const pct = (v: number | undefined): string =>
  v === undefined ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`;

function printRows(rows: EvaluationRow[]): void {
  console.log(`\n${'encoder'.padEnd(28)} ${'dim'.padStart(5)}  kNN top-1  probe top-1`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(28)} ${String(r.dim).padStart(5)}     ${pct(r.knn?.top1)}       ${pct(r.probe?.top1)}`,
    );
  }
}

/**
 * Parses the flags, pretrains `build`'s method with the Trainer on the chosen data, and prints kNN
 * and linear-probe accuracy of the pretrained encoder beside the raw pixels and a random-init
 * encoder of the same architecture.
 */
export async function runExample(
  name: string,
  build: (ctx: BuildContext) => BuiltMethod,
): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: 'mnist' },
      steps: { type: 'string', default: '300' },
      batch: { type: 'string', default: '128' },
      widths: { type: 'string', default: '32,64,128' },
      lr: { type: 'string' },
      optimizer: { type: 'string', default: 'adamw' },
      seed: { type: 'string', default: '0' },
      'eval-train': { type: 'string', default: '10000' },
      'eval-test': { type: 'string', default: '2000' },
    },
  });
  const info = await initBackend();
  console.log(`backend: ${info.reason}`);
  const seed = Number(values.seed);
  const rng = createRng(seed);
  const data = await loadData(
    values.data!,
    Number(values['eval-train']),
    Number(values['eval-test']),
    rng.fork(),
  );
  if (data === null) return;
  const steps = Number(values.steps);
  const batchSize = Number(values.batch);
  const widths = values.widths!.split(',').map(Number);
  const inputShape: [number, number, number] = [data.size, data.size, data.channels];
  const makeEncoder = (s: number) => smallConvNet({ inputShape, widths }, createRng(s));
  const encoderSeed = rng.nextUint32();
  const encoder = makeEncoder(encoderSeed);
  const stepsPerEpoch = Math.floor(data.pretrain.count / batchSize);
  const built = build({
    encoder,
    featureDim: widths.at(-1)!,
    size: data.size,
    channels: data.channels,
    datasetSize: data.pretrain.count,
    batchSize,
    steps,
    stepsPerEpoch,
    rng,
  });
  const batches = imageArraysDataset(data.pretrain)
    .shuffle(undefined, rng.fork())
    .batch(batchSize, { dropRemainder: true }) as unknown as Dataset<ImageBatch>;
  const train = built.views(batches, rng.fork());
  let optimizer: Optimizer;
  let schedule: Schedule;
  let recipe: OptimizerRecipe | string;
  if (values.optimizer === 'paper') {
    const r = built.recommended({ batchSize, totalSteps: steps, stepsPerEpoch });
    ({ optimizer, schedule } = r);
    recipe = r.recipe;
  } else {
    const lr = values.lr !== undefined ? Number(values.lr) : (built.adamwLearningRate ?? 1e-3);
    optimizer = new AdamW({ learningRate: lr, weightDecay: 1e-4 });
    schedule = warmupCosine({
      baseLr: lr,
      warmupSteps: Math.round(steps * 0.05),
      totalSteps: steps,
    });
    recipe = `AdamW lr ${lr}, weight decay 1e-4, 5% warm-up, cosine`;
  }
  console.log(
    `${name} on ${data.name}: smallConvNet [${widths.join(', ')}] (${widths.at(-1)}-d), batch ${batchSize}, ${steps} steps, ` +
      `optimizer ${typeof recipe === 'string' ? recipe : `${recipe.optimizer} (paper recipe)`}; config ${JSON.stringify(built.method.config())}`,
  );
  const trainer = new Trainer({
    method: built.method,
    optimizer,
    schedule,
    data: train,
    steps,
    clipNorm: built.clipNorm,
  });
  const summary = await trainer.fit();
  console.log(
    `pretrained in ${summary.seconds.toFixed(0)} s (${(summary.steps / summary.seconds).toFixed(2)} steps/s, ${summary.samplesPerSecond.toFixed(0)} images/s), final loss ${summary.finalLoss.toFixed(4)}`,
  );
  const result = await baselines(
    {
      train: data.evalTrain,
      test: data.evalTest,
      encoderFactory: () => makeEncoder(encoderSeed), // the very initialization the method started from
      encoder,
      encoderName: `${name} (${steps} steps)`,
    },
    createRng(seed + 1),
  );
  console.log(
    `\n${data.name}: kNN (k 20, cosine) and linear probe, trained on ${data.evalTrain.y.length} images, tested on ${data.evalTest.y.length}`,
  );
  printRows(result.rows);
  optimizer.dispose();
  built.dispose?.();
  tf.dispose([data.evalTrain.x, data.evalTest.x]);
}
