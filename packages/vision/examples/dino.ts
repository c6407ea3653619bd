// DINO pretraining (2 global + 4 local crops) on MNIST or the CIFAR-10 5k folder, then kNN and
// linear probe beside the raw-pixel and random-init baselines.
//   node --import tsx examples/dino.ts --data mnist
import { DINO, dinoHead, dinoMultiCrop, type ViewsBatch } from '../src/index';
import { runExample } from './_shared';

await runExample('DINO', ({ encoder, featureDim, size, channels, steps, rng }) => {
  // A run of a few hundred steps is a fraction of an epoch, so the epoch-based schedules count
  // tenths of the run: the teacher temperature warms up over the first 30% (DINO: 30 of 100
  // epochs) and the last layer is not frozen.
  const stepsPerEpoch = Math.max(1, Math.ceil(steps / 10));
  const method = new DINO({
    encoder,
    head: dinoHead(
      { inputDim: featureDim, hiddenDim: 512, bottleneckDim: 128, outputDim: 1024 },
      rng,
    ),
    stepsPerEpoch,
    warmupTeacherTemperatureEpochs: 3,
    freezeLastLayerEpochs: 0,
    // 0.996 suits 100 epochs; a short run needs a teacher that follows faster.
    baseMomentum: 0.99,
  });
  return {
    method,
    views: (batches, r) =>
      batches.map(
        dinoMultiCrop<{ image: import('@tensorflow/tfjs').Tensor4D; label: number[] }>({
          globalSize: size,
          localSize: size / 2,
          localCrops: 4,
          flip: channels === 1 ? 0 : 0.5,
        }),
        r,
      ) as unknown as import('@selfsup/core').Dataset<ViewsBatch>,
    recommended: (o) => DINO.recommendedOptimizer(o),
    clipNorm: 3,
    dispose: () => method.dispose(),
  };
});
