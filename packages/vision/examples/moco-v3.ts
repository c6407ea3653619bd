// MoCo v3 pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside the
// raw-pixel and random-init baselines.  node --import tsx examples/moco-v3.ts --data mnist
import { MoCoV3, byolAugment, predictionHead, projectionHead } from '../src/index';
import { runExample } from './_shared';

await runExample('MoCo v3', ({ encoder, featureDim, size, channels, rng }) => {
  const method = new MoCoV3({
    encoder,
    // The official ResNet heads, narrowed for a small encoder: 2-layer projector ending in an
    // affine-free BN, predictor without a last BN.
    projector: projectionHead(
      {
        inputDim: featureDim,
        hiddenDim: 1024,
        outputDim: 128,
        lastBatchNorm: { center: false, scale: false },
      },
      rng,
    ),
    predictor: predictionHead({ inputDim: 128, hiddenDim: 1024, outputDim: 128 }, rng),
    temperature: 1.0,
    baseMomentum: 0.99,
  });
  return {
    method,
    views: (batches, r) =>
      batches.twoViews(byolAugment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
    recommended: (o) => MoCoV3.recommendedOptimizer(o),
    dispose: () => method.dispose(),
  };
});
