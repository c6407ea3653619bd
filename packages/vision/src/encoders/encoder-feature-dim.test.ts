import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { encoderFeatureDim } from './encoder-feature-dim';
import { resnet } from './resnet';
import { smallConvNet } from './small-conv-net';
import { vit } from './vit';

describe('encoderFeatureDim', () => {
  it('reads D from the [B, D] output of every encoder', () => {
    expect(encoderFeatureDim(smallConvNet({ inputShape: [8, 8, 1], widths: [4, 12] }))).toBe(12);
    expect(
      encoderFeatureDim(
        resnet({ depth: 50, inputShape: [16, 16, 3], cifarStem: true, widths: [2, 2, 2, 3] }),
      ),
    ).toBe(12);
    expect(
      encoderFeatureDim(vit({ embedDim: 8, depth: 1, numHeads: 2, imageSize: 4, patchSize: 2 })),
    ).toBe(8);
  });

  it('rejects a model whose output is not [batch, dim]', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.reLU().apply(input) as tf.SymbolicTensor,
    });
    expect(() => encoderFeatureDim(model)).toThrow(/expected an output \[batch, dim\]/);
  });
});
