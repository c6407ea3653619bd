import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { gelu } from '../ops/gelu';
import { batchNormTrain } from './batch-norm-train';
import { data, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';

// Forward + backward of small versions of the models selfsup trains, on wasm with selfsup's kernels
// against cpu: any kernel training needs that wasm lacks would throw here, any wrong one mismatch.

/** Gradients of `loss` with respect to every tensor in `params` (computed on the active backend). */
function gradsOf(params: tf.Tensor[], loss: (...p: tf.Tensor[]) => tf.Scalar): tf.Tensor[] {
  const { value, grads } = tf.valueAndGrads(loss)(params);
  return [value, ...grads];
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
}

describe('training graphs on wasm match cpu', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('CNN: conv2d, tf.batchNorm with batch moments, relu, max pool, batchNormTrain, avg pool, dense', async () => {
    // conv -> norm -> relu -> pool, the usual order: ties in a max-pool window only occur among
    // relu zeros, whose gradient is zero whichever element the pool routes it to.
    await expectWasmMatchesCpu(
      () => {
        const x = data([4, 12, 12, 3], 1);
        const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3);
        const params = [
          data([3, 3, 3, 8], 2),
          data([8], 3),
          data([3, 3, 8, 8], 4),
          tf.ones([8]),
          tf.zeros([8]),
          data([1, 1, 8, 8], 5),
          data([8], 7),
          data([8, 3], 6),
        ];
        return gradsOf(params, (w1, b1, w2, gamma, beta, w3, b3, wd) => {
          let h = tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1);
          const { mean, variance } = tf.moments(h, [0, 1, 2]);
          h = tf.relu(tf.batchNorm(h, mean, variance, beta, gamma, 1e-5));
          h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'same');
          h = tf.relu(
            batchNormTrain(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'same'), gamma, beta)
              .y,
          );
          h = tf.add(tf.conv2d(h as tf.Tensor4D, w3 as tf.Tensor4D, 1, 'valid'), b3);
          h = tf.avgPool(h as tf.Tensor4D, 3, 3, 'valid');
          const logits = tf.matMul(tf.reshape(h, [4, 8]), wd);
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        });
      },
      1e-4,
      1e-3,
    );
  });

  it('transformer block: embedding, layer norm, multi-head attention, gelu MLP, masked-token loss', async () => {
    const [batch, seq, dim, heads, vocab] = [2, 6, 8, 2, 11];
    const tokens = [1, 4, 4, 9, 0, 2, 3, 3, 10, 1, 5, 4];
    await expectWasmMatchesCpu(
      () => {
        const ids = tf.tensor2d(tokens, [batch, seq], 'int32');
        const targets = tf.oneHot(
          tf.tensor1d([4, 7, 2, 9, 1, 0, 3, 3, 8, 6, 5, 4], 'int32'),
          vocab,
        );
        const params = [
          data([vocab, dim], 1),
          data([seq, dim], 2),
          tf.ones([dim]),
          tf.zeros([dim]),
          data([dim, 3 * dim], 3),
          data([dim, dim], 4),
          data([dim, 2 * dim], 5),
          data([2 * dim, dim], 6),
        ];
        return gradsOf(params, (emb, pos, g, b, wqkv, wo, w1, w2) => {
          let h = tf.add(tf.gather(emb, ids), pos); // [B, T, D]
          const n = layerNorm(h, g, b);
          const qkv = tf.reshape(tf.matMul(tf.reshape(n, [batch * seq, dim]), wqkv), [
            batch,
            seq,
            3,
            heads,
            dim / heads,
          ]);
          const [q, k, v] = tf.unstack(tf.transpose(qkv, [2, 0, 3, 1, 4])); // each [B, H, T, Dh]
          const att = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dim / heads)));
          const ctx = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [batch * seq, dim]);
          h = tf.add(h, tf.reshape(tf.matMul(ctx, wo), [batch, seq, dim]));
          const mlp = tf.matMul(
            gelu(tf.matMul(tf.reshape(layerNorm(h, g, b), [batch * seq, dim]), w1)),
            w2,
          );
          h = tf.add(tf.reshape(h, [batch * seq, dim]), mlp);
          const logits = tf.matMul(h, emb, false, true); // tied output embedding
          return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar;
        });
      },
      1e-3,
      1e-3,
    );
  });

  it('conv1d feature encoder (strides 5 and 2) with channel-last group-free normalization', async () => {
    await expectWasmMatchesCpu(
      () => {
        const audio = data([2, 80, 1], 1);
        const params = [data([10, 1, 8], 2), data([3, 8, 8], 3), data([2, 8, 8], 4)];
        return gradsOf(params, (w1, w2, w3) => {
          let h = gelu(tf.conv1d(audio as tf.Tensor3D, w1 as tf.Tensor3D, 5, 'valid')); // [2, 15, 8]
          const { mean, variance } = tf.moments(h, [0, 1]);
          h = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
          h = gelu(tf.conv1d(h as tf.Tensor3D, w2 as tf.Tensor3D, 2, 'valid'));
          h = tf.conv1d(h as tf.Tensor3D, w3 as tf.Tensor3D, 2, 'same');
          return tf.mean(tf.square(h)) as tf.Scalar;
        });
      },
      1e-3,
      1e-3,
    );
  });

  it('video clip encoder: conv3d stride 2, relu, conv3d, global average pool', async () => {
    await expectWasmMatchesCpu(
      () => {
        const clip = data([2, 4, 8, 8, 3], 1);
        const params = [data([3, 3, 3, 3, 6], 2), data([1, 3, 3, 6, 4], 3)];
        return gradsOf(params, (w1, w2) => {
          const h = tf.relu(tf.conv3d(clip as tf.Tensor5D, w1 as tf.Tensor5D, [1, 2, 2], 'same'));
          const y = tf.conv3d(h, w2 as tf.Tensor5D, 1, 'same');
          return tf.mean(tf.square(tf.mean(y, [1, 2, 3]))) as tf.Scalar;
        });
      },
      1e-3,
      1e-3,
    );
  });

  it('tf.layers model (conv, BatchNormalization in training mode, depthwise with bias, dense)', async () => {
    const build = () => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 2],
            filters: 4,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            useBias: false, // a bias before batch norm has an exactly-zero gradient: pure rounding noise
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.batchNormalization(),
          tf.layers.activation({ activation: 'relu' }),
          tf.layers.depthwiseConv2d({
            kernelSize: 3,
            padding: 'same',
            depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 3,
            kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
          }),
        ],
      });
      return model;
    };
    await expectWasmMatchesCpu(
      () => {
        const model = build();
        const x = data([3, 8, 8, 2], 1);
        const { value, grads } = tf.variableGrads(
          () => {
            const y = model.apply(x, { training: true }) as tf.Tensor;
            return tf.mean(tf.square(y)) as tf.Scalar;
          },
          model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
        );
        // Variable names carry a per-model counter; sort by the part after it.
        const key = (k: string) => k.replace(/\d+\//, '/');
        const names = Object.keys(grads).sort((p, q) => key(p).localeCompare(key(q)));
        const out = [value, ...names.map((k) => grads[k])];
        model.dispose();
        return out;
      },
      1e-3,
      1e-3,
    );
  });
});
