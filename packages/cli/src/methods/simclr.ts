import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { projector, widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** SimCLR: NT-Xent between two views; projector D -> D -> projectionDim (BN, last BN without beta). */
export const simclrEntry = defineMethod({
  name: 'simclr',
  className: 'SimCLR',
  title: 'SimCLR',
  paper:
    'Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations", ICML 2020',
  views: 'simclr',
  options: z
    .object({
      /** NT-Xent temperature. */
      temperature: z.number().positive(),
      /** Output width of the projection head. */
      projectionDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { projectionDim: 128 },
  create(cls, encoder: tf.LayersModel, o, rng) {
    const d = widthOf(encoder);
    const head = projector(
      o.projectionDim !== undefined
        ? {
            inputDim: d,
            hiddenDim: d,
            outputDim: o.projectionDim as number,
            numLayers: 2,
            lastBatchNorm: { center: false },
            name: 'simclr_projector',
          }
        : undefined,
      rng,
    );
    return new (cls as unknown as Ctor)(
      { encoder, projector: head, temperature: o.temperature },
      rng,
    );
  },
});
