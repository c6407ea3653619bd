import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { predictionHead, projectionHead } from '@selfsup/vision';

/** Output width of a model (its last dimension). */
export function widthOf(model: tf.LayersModel): number {
  return (model.outputs[0].shape as number[]).at(-1)!;
}

type ProjectionHeadOptions = Parameters<typeof projectionHead>[0];

/** A projection head from vision's builder (undefined when no width is overridden). */
export function projector(
  options: ProjectionHeadOptions | undefined,
  rng: Rng,
): tf.LayersModel | undefined {
  return options ? projectionHead(options, rng) : undefined;
}

/** A prediction head from vision's builder. */
export function predictor(
  inputDim: number,
  hiddenDim: number,
  outputDim: number,
  name: string,
  rng: Rng,
): tf.LayersModel {
  return predictionHead({ inputDim, hiddenDim, outputDim, name }, rng);
}
