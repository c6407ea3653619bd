// VICReg pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside the
// raw-pixel and random-init baselines.  node --import tsx examples/vicreg.ts --data mnist
import { VICReg, byolAugment, projectionHead } from '../src/index';
import { runExample } from './_shared';

await runExample('VICReg', ({ encoder, featureDim, size, channels, rng }) => ({
  method: new VICReg({
    encoder,
    // The official 3-layer expander (last Linear without bias), 1024 wide instead of 8192.
    expander: projectionHead(
      { inputDim: featureDim, hiddenDim: 1024, outputDim: 1024, numLayers: 3, lastBias: false },
      rng,
    ),
  }),
  views: (batches, r) => batches.twoViews(byolAugment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
  recommended: (o) => VICReg.recommendedOptimizer(o),
}));
