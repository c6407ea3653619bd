import type * as tf from '@tensorflow/tfjs';

/**
 * What every method of this folder trains on: one batch of images seen through several
 * augmented views, each `[B, H, W, C]`, row `i` of every view coming from the same image `i`.
 *
 * Augmentation happens before the step, in the data pipeline, never inside the gradient
 * function: `dataset.batch(256).twoViews(simclrAugment({ size: 32 }))` (SimCLR, MoCo, BYOL,
 * SimSiam, Barlow Twins, VICReg) or `dataset.batch(64).map(dinoMultiCrop({ ... }))` (DINO) yield
 * `{ views, ...otherFields }` records, which the Trainer hands to `method.loss(batch, step)`
 * inside `tf.variableGrads` and disposes after the step. Crops, flips and colour jitter need no
 * gradient, so keeping them out of the taped function saves memory and time, and the pipeline's
 * per-element random generators make them reproducible on resume.
 *
 * Two-view methods read `views[0]` and `views[1]` (extra views are an error); DINO reads the
 * global crops first, then the local crops.
 *
 * @example
 * ```ts
 * const batch: ViewsBatch = { views: [view1, view2] };
 * const { loss } = simclr.loss(batch, 0);
 * ```
 */
export interface ViewsBatch {
  readonly views: readonly tf.Tensor4D[];
}
