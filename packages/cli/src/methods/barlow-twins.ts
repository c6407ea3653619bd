import { z } from 'zod';
import { projector, widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** Barlow Twins: cross-correlation of the two views' projections pushed to the identity. */
export const barlowTwinsEntry = defineMethod({
  name: 'barlowtwins',
  className: 'BarlowTwins',
  title: 'Barlow Twins',
  paper:
    'Zbontar et al., "Barlow Twins: Self-Supervised Learning via Redundancy Reduction", ICML 2021',
  views: 'byol',
  options: z
    .object({
      /** Weight of the off-diagonal (redundancy-reduction) term. */
      lambda: z.number().nonnegative(),
      /** Width of the 3-layer projector (hidden and output). */
      projectionDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { projectionDim: 8192 },
  create(cls, encoder, o, rng) {
    const w = o.projectionDim as number | undefined;
    const head = projector(
      w !== undefined
        ? {
            inputDim: widthOf(encoder),
            hiddenDim: w,
            outputDim: w,
            numLayers: 3,
            lastBias: false,
            name: 'barlow_projector',
          }
        : undefined,
      rng,
    );
    return new (cls as unknown as Ctor)({ encoder, projector: head, lambda: o.lambda }, rng);
  },
});
