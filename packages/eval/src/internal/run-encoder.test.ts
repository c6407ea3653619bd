import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runEncoder } from './run-encoder';

describe('runEncoder', () => {
  it('calls functions directly and Layers models in inference mode', () => {
    const x = tf.ones([4, 2]);
    const model = tf.sequential({
      layers: [tf.layers.dropout({ inputShape: [2], rate: 0.9 })],
    });
    const viaModel = tf.tidy(() => runEncoder(model, x));
    expect(Array.from(viaModel.dataSync())).toEqual(Array(8).fill(1)); // dropout inactive
    const viaFn = tf.tidy(() => runEncoder((t) => tf.add(t, 1), x));
    expect(Array.from(viaFn.dataSync())).toEqual(Array(8).fill(2));
    tf.dispose([x, viaModel, viaFn]);
    model.dispose();
  });

  it('rejects multi-output models', () => {
    const input = tf.input({ shape: [2] });
    const model = tf.model({
      inputs: input,
      outputs: [
        tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor,
        tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor,
      ],
    });
    const x = tf.ones([1, 2]);
    expect(() => tf.tidy(() => runEncoder(model, x))).toThrow(/2 outputs/);
    x.dispose();
    model.dispose();
  });
});
