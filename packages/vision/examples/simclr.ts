// SimCLR pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside the
// raw-pixel and random-init baselines.  node --import tsx examples/simclr.ts --data mnist
import { SimCLR, simclrAugment } from '../src/index';
import { runExample } from './_shared';

await runExample('SimCLR', ({ encoder, featureDim, size, channels, rng }) => ({
  // The paper's head (D -> D -> 128, last BN without beta) and temperature 0.5.
  method: new SimCLR({
    encoder,
    projector: SimCLR.defaultProjector(featureDim, rng),
    temperature: 0.5,
  }),
  // SimCLR's augmentation; no flips for digits (a mirrored digit is another symbol).
  views: (batches, r) =>
    batches.twoViews(simclrAugment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
  recommended: (o) => SimCLR.recommendedOptimizer(o),
}));
