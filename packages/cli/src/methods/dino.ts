import type * as tf from '@tensorflow/tfjs';
import * as vision from '@selfsup/vision';
import { z } from 'zod';
import { widthOf } from './heads';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;
type DinoHead = (
  o: { inputDim: number; outputDim?: number; hiddenDim?: number; bottleneckDim?: number },
  rng?: unknown,
) => tf.LayersModel;

/** DINO: self-distillation with a centered, sharpened EMA teacher over multi-crop views. */
export const dinoEntry = defineMethod({
  name: 'dino',
  className: 'DINO',
  title: 'DINO',
  paper: 'Caron et al., "Emerging Properties in Self-Supervised Vision Transformers", ICCV 2021',
  views: 'multi-crop',
  options: z
    .object({
      studentTemperature: z.number().positive(),
      /** Teacher temperature after its warm-up. */
      teacherTemperature: z.number().positive(),
      warmupTeacherTemperature: z.number().positive(),
      warmupTeacherTemperatureEpochs: z.number().int().nonnegative(),
      /** Teacher EMA momentum at step 0 (rises to 1 on a cosine). */
      baseMomentum: z.number().min(0).max(1),
      centerMomentum: z.number().min(0).max(1),
      freezeLastLayerEpochs: z.number().int().nonnegative(),
      /** Head: prototypes K, hidden and bottleneck widths. */
      outDim: z.number().int().positive(),
      hiddenDim: z.number().int().positive(),
      bottleneckDim: z.number().int().positive(),
    })
    .partial()
    .strict(),
  headDefaults: { outDim: 65536, hiddenDim: 2048, bottleneckDim: 256 },
  trainDefaults: { clipNorm: 3 },
  create(cls, encoder, o, rng, context) {
    let head: tf.LayersModel | undefined;
    if (o.outDim !== undefined || o.hiddenDim !== undefined || o.bottleneckDim !== undefined) {
      const build = (vision as unknown as Record<string, unknown>).dinoHead as DinoHead | undefined;
      if (typeof build !== 'function')
        throw new Error('this build of @selfsup/vision does not export dinoHead');
      head = build(
        {
          inputDim: widthOf(encoder),
          outputDim: o.outDim as number | undefined,
          hiddenDim: o.hiddenDim as number | undefined,
          bottleneckDim: o.bottleneckDim as number | undefined,
        },
        rng,
      );
    }
    const { outDim: _o, hiddenDim: _h, bottleneckDim: _b, ...hyper } = o;
    void _o;
    void _h;
    void _b;
    return new (cls as unknown as Ctor)(
      { encoder, head, stepsPerEpoch: context.stepsPerEpoch, ...hyper },
      rng,
    );
  },
});
