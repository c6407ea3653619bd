// MoCo v2 pretraining on MNIST or the CIFAR-10 5k folder, then kNN and linear probe beside the
// raw-pixel and random-init baselines.  node --import tsx examples/moco-v2.ts --data mnist
import { MoCoV2, mocoV2Augment } from '../src/index';
import { runExample } from './_shared';

await runExample('MoCo v2', ({ encoder, size, channels, datasetSize, rng }) => {
  const method = new MoCoV2(
    {
      encoder,
      // K = 4096 (MoCo's CIFAR demo; the official 65536 would exceed the dataset here and is clamped anyway).
      queueSize: 4096,
      datasetSize,
      temperature: 0.2,
      // 0.999 suits 200 epochs; a run of a few hundred steps needs a key encoder that follows faster.
      momentum: 0.99,
      bnSplits: 8,
    },
    rng,
  );
  return {
    method,
    views: (batches, r) =>
      batches.twoViews(mocoV2Augment({ size, flip: channels === 1 ? 0 : 0.5 }), r),
    recommended: (o) => MoCoV2.recommendedOptimizer(o),
    dispose: () => method.dispose(),
  };
});
