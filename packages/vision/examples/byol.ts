// BYOL pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside the
// raw-pixel and random-init baselines.  node --import tsx examples/byol.ts --data mnist
import { BYOL, byolAugment, predictionHead, projectionHead } from '../src/index';
import { runExample } from './_shared';

await runExample('BYOL', ({ encoder, featureDim, size, channels, rng }) => {
  const method = new BYOL({
    encoder,
    // The paper's heads (4096 -> 256) narrowed to the small encoder.
    projector: projectionHead({ inputDim: featureDim, hiddenDim: 1024, outputDim: 128 }, rng),
    predictor: predictionHead({ inputDim: 128, hiddenDim: 1024, outputDim: 128 }, rng),
    // 0.996 suits 1000 epochs; a few hundred steps need a target that follows faster.
    baseMomentum: 0.99,
  });
  return {
    method,
    views: (batches, r) =>
      batches.twoViews(byolAugment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
    recommended: (o) => BYOL.recommendedOptimizer(o),
    dispose: () => method.dispose(),
  };
});
