// Barlow Twins pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside
// the raw-pixel and random-init baselines.  node --import tsx examples/barlow-twins.ts --data mnist
import { BarlowTwins, byolAugment, projectionHead } from '../src/index';
import { runExample } from './_shared';

await runExample('Barlow Twins', ({ encoder, featureDim, size, channels, rng }) => ({
  method: new BarlowTwins({
    encoder,
    // The official 3-layer projector (last Linear without bias), 1024 wide instead of 8192.
    projector: projectionHead(
      { inputDim: featureDim, hiddenDim: 1024, outputDim: 1024, numLayers: 3, lastBias: false },
      rng,
    ),
    lambda: 0.0051,
  }),
  views: (batches, r) => batches.twoViews(byolAugment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
  recommended: (o) => BarlowTwins.recommendedOptimizer(o),
}));
