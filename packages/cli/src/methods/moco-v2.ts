import { z } from 'zod';
import { projector, widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** MoCo v2: InfoNCE against a queue of momentum-encoder keys, shuffle-BN. */
export const mocoV2Entry = defineMethod({
  name: 'mocov2',
  className: 'MoCoV2',
  title: 'MoCo v2',
  paper:
    'Chen et al., "Improved Baselines with Momentum Contrastive Learning", 2020 (He et al., CVPR 2020)',
  views: 'moco-v2',
  options: z
    .object({
      temperature: z.number().positive(),
      /** EMA momentum of the key encoder. */
      momentum: z.number().min(0).max(1),
      /** Queue length K (clamped to the number of training images). */
      queueSize: z.number().int().positive(),
      /** Shuffle-BN sub-batches (1: off). */
      bnSplits: z.number().int().positive(),
      /** Output width of the projector D -> D -> projectionDim. */
      projectionDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { projectionDim: 128 },
  create(cls, encoder, o, rng, context) {
    const d = widthOf(encoder);
    const head = projector(
      o.projectionDim !== undefined
        ? {
            inputDim: d,
            hiddenDim: d,
            outputDim: o.projectionDim as number,
            batchNorm: false,
            name: 'moco_projector',
          }
        : undefined,
      rng,
    );
    return new (cls as unknown as Ctor)(
      {
        encoder,
        projector: head,
        temperature: o.temperature,
        momentum: o.momentum,
        queueSize: o.queueSize,
        bnSplits: o.bnSplits,
        datasetSize: context.datasetSize,
        onWarning: () => undefined,
      },
      rng,
    );
  },
});
