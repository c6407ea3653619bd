import { z } from 'zod';
import { projector, widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** VICReg: invariance, variance and covariance terms on an expander's outputs. */
export const vicregEntry = defineMethod({
  name: 'vicreg',
  className: 'VICReg',
  title: 'VICReg',
  paper:
    'Bardes, Ponce and LeCun, "VICReg: Variance-Invariance-Covariance Regularization", ICLR 2022',
  views: 'byol',
  options: z
    .object({
      simCoeff: z.number().nonnegative(),
      stdCoeff: z.number().nonnegative(),
      covCoeff: z.number().nonnegative(),
      /** Width of the 3-layer expander (hidden and output). */
      expanderDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { expanderDim: 8192 },
  create(cls, encoder, o, rng) {
    const w = o.expanderDim as number | undefined;
    const head = projector(
      w !== undefined
        ? {
            inputDim: widthOf(encoder),
            hiddenDim: w,
            outputDim: w,
            numLayers: 3,
            lastBias: false,
            name: 'vicreg_expander',
          }
        : undefined,
      rng,
    );
    return new (cls as unknown as Ctor)(
      { encoder, expander: head, simCoeff: o.simCoeff, stdCoeff: o.stdCoeff, covCoeff: o.covCoeff },
      rng,
    );
  },
});
