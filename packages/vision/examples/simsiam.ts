// SimSiam pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside the
// raw-pixel and random-init baselines.  node --import tsx examples/simsiam.ts --data mnist
import { SimSiam, mocoV2Augment, predictionHead, projectionHead } from '../src/index';
import { runExample } from './_shared';

await runExample('SimSiam', ({ encoder, featureDim, size, channels, rng }) => ({
  method: new SimSiam({
    encoder,
    // SimSiam's 3-layer projector ending in an affine-free BN, and its 4x bottleneck predictor, narrowed.
    projector: projectionHead(
      {
        inputDim: featureDim,
        hiddenDim: 512,
        outputDim: 512,
        numLayers: 3,
        lastBatchNorm: { center: false, scale: false },
      },
      rng,
    ),
    predictor: predictionHead({ inputDim: 512, hiddenDim: 128, outputDim: 512 }, rng),
  }),
  views: (batches, r) =>
    batches.twoViews(mocoV2Augment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
  recommended: (o) => SimSiam.recommendedOptimizer(o),
}));
