import { z } from 'zod';
import { defineMethod } from './method-entry';

type Ctor = new (o: Record<string, unknown>, rng?: unknown) => never;

/** MoCo v3: symmetric InfoNCE between the base predictor and the momentum projector, in-batch keys. */
export const mocoV3Entry = defineMethod({
  name: 'mocov3',
  className: 'MoCoV3',
  title: 'MoCo v3',
  paper:
    'Chen, Xie and He, "An Empirical Study of Training Self-Supervised Vision Transformers", ICCV 2021',
  views: 'byol',
  options: z
    .object({
      /** Which official setting: resnet or vit (default: vit for ViT encoders). */
      backbone: z.enum(['resnet', 'vit']),
      temperature: z.number().positive(),
      /** EMA momentum at step 0 (rises to 1 on a cosine). */
      baseMomentum: z.number().min(0).max(1),
      /** ViT: keep the patch embedding random (stop-grad conv1). */
      freezePatchEmbed: z.boolean(),
    })
    .partial()
    .strict(),
  create(cls, encoder, o, rng) {
    return new (cls as unknown as Ctor)(
      {
        encoder,
        backbone: o.backbone,
        temperature: o.temperature,
        baseMomentum: o.baseMomentum,
        freezePatchEmbed: o.freezePatchEmbed,
      },
      rng,
    );
  },
});
