import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelVariables } from './ssl-method';

function build(name: string): tf.LayersModel {
  const input = tf.input({ shape: [3] });
  const h = tf.layers.dense({ units: 4, name: `${name}_fc1` }).apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: bn, name });
}

describe('modelVariables', () => {
  it('keys variables stably, whatever tfjs named them', () => {
    const a = build('enc');
    const b = build('enc'); // same layer names: tfjs uniquifies its variable names
    const ka = Object.keys(modelVariables(a, 'online'));
    const kb = Object.keys(modelVariables(b, 'online'));
    expect(ka).toEqual(kb);
    expect(ka).toContain('online/enc_fc1/kernel');
    expect(ka.length).toBe(a.weights.length);
    const trainable = modelVariables(a, 'online', true);
    expect(Object.keys(trainable).length).toBe(a.trainableWeights.length);
    expect(Object.values(trainable).every((v) => v instanceof tf.Variable)).toBe(true);
    a.dispose();
    b.dispose();
  });
});
