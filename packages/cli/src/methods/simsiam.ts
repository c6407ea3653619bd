import { z } from 'zod';
import { predictor, projector, widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** SimSiam: stop-gradient siamese network, no negatives, no momentum encoder. */
export const simsiamEntry = defineMethod({
  name: 'simsiam',
  className: 'SimSiam',
  title: 'SimSiam',
  paper: 'Chen and He, "Exploring Simple Siamese Representation Learning", CVPR 2021',
  views: 'moco-v2',
  options: z
    .object({
      /** Projection width (projector D -> D -> D -> projectionDim). */
      projectionDim: z.number().int().positive(),
      /** Predictor bottleneck width. */
      predictorHiddenDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { projectionDim: 2048, predictorHiddenDim: 512 },
  create(cls, encoder, o, rng) {
    let proj;
    let pred;
    if (o.projectionDim !== undefined || o.predictorHiddenDim !== undefined) {
      const d = widthOf(encoder);
      const p = (o.projectionDim as number | undefined) ?? 2048;
      proj = projector(
        {
          inputDim: d,
          hiddenDim: d,
          outputDim: p,
          numLayers: 3,
          lastBatchNorm: { center: false, scale: false },
          name: 'simsiam_projector',
        },
        rng,
      );
      pred = predictor(
        p,
        (o.predictorHiddenDim as number | undefined) ?? 512,
        p,
        'simsiam_predictor',
        rng,
      );
    }
    return new (cls as unknown as Ctor)({ encoder, projector: proj, predictor: pred }, rng);
  },
});
