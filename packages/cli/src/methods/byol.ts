import { z } from 'zod';
import { predictor, projector, widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** BYOL: online predictor regresses the EMA target's projection. */
export const byolEntry = defineMethod({
  name: 'byol',
  className: 'BYOL',
  title: 'BYOL',
  paper: 'Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020',
  views: 'byol',
  options: z
    .object({
      /** EMA momentum of the target at step 0 (tau_base; rises to 1 on a cosine). */
      baseMomentum: z.number().min(0).max(1),
      /** Projection width (projector D -> hiddenDim -> projectionDim, predictor back to it). */
      projectionDim: z.number().int().positive(),
      /** Hidden width of the projector and the predictor. */
      hiddenDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { projectionDim: 256, hiddenDim: 4096 },
  create(cls, encoder, o, rng) {
    let proj;
    let pred;
    if (o.projectionDim !== undefined || o.hiddenDim !== undefined) {
      const p = (o.projectionDim as number | undefined) ?? 256;
      const h = (o.hiddenDim as number | undefined) ?? 4096;
      proj = projector(
        { inputDim: widthOf(encoder), hiddenDim: h, outputDim: p, name: 'byol_projector' },
        rng,
      );
      pred = predictor(p, h, p, 'byol_predictor', rng);
    }
    return new (cls as unknown as Ctor)(
      { encoder, projector: proj, predictor: pred, baseMomentum: o.baseMomentum },
      rng,
    );
  },
});
