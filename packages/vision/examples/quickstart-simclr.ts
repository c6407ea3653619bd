// The README's quick start: SimCLR on MNIST with core's Trainer, then a kNN check of the encoder.
//   node --import tsx examples/quickstart-simclr.ts [steps]
import { Trainer, createRng, imageArraysDataset, initBackend, loadMnist } from '@selfsup/core';
import { extractFeatures, knnClassify } from '@selfsup/eval';
import * as tf from '@tensorflow/tfjs';
import { SimCLR, simclrAugment, smallConvNet } from '../src/index'; // '@selfsup/vision' once installed

const steps = Number(process.argv[2] ?? 500);
await initBackend(); // tfjs-node when installed, else wasm with selfsup's training kernels
const rng = createRng(0);

// Views are made in the data pipeline, outside the gradient: batches of 256 digits -> { views: [a, b], label }.
const train = await loadMnist();
const data = imageArraysDataset(train)
  .shuffle(undefined, rng)
  .batch(256, { dropRemainder: true })
  .twoViews(simclrAugment({ size: 28, flip: 0 }), rng); // no flips for digits

const encoder = smallConvNet({ inputShape: [28, 28, 1], widths: [32, 64, 128] }, rng);
const simclr = new SimCLR({
  encoder,
  projector: SimCLR.defaultProjector(128, rng),
  temperature: 0.5,
});
const { optimizer, schedule } = SimCLR.recommendedOptimizer({ batchSize: 256, totalSteps: steps });
const summary = await new Trainer({ method: simclr, optimizer, schedule, data, steps }).fit();
console.log(
  `${summary.steps} steps in ${summary.seconds.toFixed(0)} s, loss ${summary.finalLoss.toFixed(3)}`,
);

// The encoder is a plain tf.LayersModel: evaluate it (or save it with encoder.save(...)).
const test = await loadMnist({ split: 'test', limit: 2000 });
const toSplit = (a: typeof train, n: number) => ({
  x: tf.tensor4d(
    Float32Array.from(a.images.subarray(0, n * 784), (v) => v / 255),
    [n, 28, 28, 1],
  ),
  y: Int32Array.from(a.labels.subarray(0, n)),
});
const knn = await knnClassify(
  await extractFeatures(encoder, toSplit(train, 10_000)),
  await extractFeatures(encoder, toSplit(test, 2_000)),
);
console.log(`kNN top-1 on 2,000 test digits: ${(100 * knn.top1).toFixed(1)}%`);
