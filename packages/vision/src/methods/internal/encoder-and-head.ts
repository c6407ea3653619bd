// Internal: the networks of a method made of an encoder and one head (SimCLR's and Barlow
// Twins' projector, VICReg's expander): checked once, with their variables and config.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@selfsup/core';
import { encoderFeatureDim } from '../../encoders/encoder-feature-dim';
import { projectionHead } from '../../heads/projection-head';
import { checkChain, forward, partsVariables } from './networks';

/**
 * Barlow Twins' projector and VICReg's expander, the same network in both official codes:
 * Linear 8192, BN, ReLU twice, then Linear 8192 without bias.
 */
export function wide8192Head(inputDim: number, name: string, rng?: Rng): tf.LayersModel {
  return projectionHead(
    { inputDim, hiddenDim: 8192, outputDim: 8192, numLayers: 3, lastBias: false, name },
    rng,
  );
}

export class EncoderAndHead {
  readonly encoder: tf.LayersModel;
  readonly head: tf.LayersModel;

  /**
   * @param method Names errors (`'VICReg'`).
   * @param role The head's role in errors, variable keys and config (`'expander'`).
   * @param defaultHead Builds the head from the encoder's feature width when none is given.
   */
  constructor(
    method: string,
    private readonly role: string,
    encoder: unknown,
    head: tf.LayersModel | undefined,
    defaultHead: (featureDim: number) => tf.LayersModel,
  ) {
    if (!(encoder instanceof tf.LayersModel))
      throw new Error(`${method}: options.encoder must be a tf.LayersModel`);
    this.encoder = encoder;
    this.head = head ?? defaultHead(encoderFeatureDim(encoder));
    checkChain(this.encoder, this.head, method, 'encoder', role);
  }

  /** Images -> head outputs [B, dim], in training mode. */
  embed(x: tf.Tensor): tf.Tensor2D {
    return forward([this.encoder, this.head], x);
  }

  /** Keys `encoder/...` and `<role>/...`. */
  variables(trainableOnly: boolean): Record<string, tf.Variable> {
    return partsVariables(
      [
        ['encoder', this.encoder],
        [this.role, this.head],
      ],
      trainableOnly,
    );
  }

  /** `encoder`, `featureDim` and `<role>Dim` (SimCLR's `projectionDim` is passed as `dimKey`). */
  config(dimKey = `${this.role}Dim`): Record<string, unknown> {
    return {
      encoder: this.encoder.name,
      featureDim: encoderFeatureDim(this.encoder),
      [dimKey]: encoderFeatureDim(this.head),
    };
  }
}
