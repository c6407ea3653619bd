// DINO pretraining (2 global + 4 local crops) on MNIST or the CIFAR-10 5k folder, then kNN and
// linear probe beside the raw-pixel and random-init baselines.
//   node --import tsx examples/dino.ts --data mnist
import { DINO, dinoHead, dinoMultiCrop, type ViewsBatch } from '../src/index';
import { runExample } from './_shared';

await runExample('DINO', ({ encoder, featureDim, size, channels, steps, rng }) => {
  // A run of a few hundred steps is a fraction of an epoch, so the epoch-based schedules count
  // tenths of the run. For a small convnet: batch norm in the head (the official ResNet-50 setting,
  // --use_bn_in_head) and the code's default teacher temperature 0.04 without warm-up. Without
  // them the random-init features are so alike that the centered teacher is nearly uniform and the
  // loss sits at ln K (DINO's uniform collapse); measured on MNIST at 16 px.
  const stepsPerEpoch = Math.max(1, Math.ceil(steps / 10));
  const method = new DINO({
    encoder,
    head: dinoHead(
      { inputDim: featureDim, hiddenDim: 512, bottleneckDim: 128, outputDim: 1024, useBn: true },
      rng,
    ),
    stepsPerEpoch,
    teacherTemperature: 0.04,
    warmupTeacherTemperatureEpochs: 0,
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
