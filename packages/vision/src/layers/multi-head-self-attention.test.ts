import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MultiHeadSelfAttention } from './multi-head-self-attention';
import { expectClose, expectNoLeak, fixedValues, roundTrip } from './test-helpers';

/** Brute-force multi-head self-attention in float64 on one sequence x [T][D]. */
function attentionBrute(
  x: number[][],
  wqkv: number[][],
  bqkv: number[],
  wo: number[][],
  bo: number[],
  heads: number,
): number[][] {
  const T = x.length;
  const D = x[0].length;
  const dh = D / heads;
  const qkv = x.map((row) =>
    wqkv[0].map((_, j) => row.reduce((s, v, i) => s + v * wqkv[i][j], bqkv[j])),
  );
  const o = x.map(() => new Array<number>(D).fill(0));
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < T; t++) {
      const scores: number[] = [];
      for (let s = 0; s < T; s++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += qkv[t][h * dh + c] * qkv[s][D + h * dh + c];
        scores.push(dot / Math.sqrt(dh));
      }
      const max = Math.max(...scores);
      const e = scores.map((v) => Math.exp(v - max));
      const z = e.reduce((a, b) => a + b, 0);
      for (let s = 0; s < T; s++) {
        for (let c = 0; c < dh; c++) o[t][h * dh + c] += (e[s] / z) * qkv[s][2 * D + h * dh + c];
      }
    }
  }
  return o.map((row) => wo[0].map((_, j) => row.reduce((s, v, i) => s + v * wo[i][j], bo[j])));
}

const rows = (flat: ArrayLike<number>, r: number, c: number): number[][] =>
  Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => flat[i * c + j]));

describe('MultiHeadSelfAttention', () => {
  const [B, T, D, H] = [2, 3, 4, 2];
  const xFlat = Array.from(fixedValues(B * T * D, 21)).map((v) => 2 * v);
  const wqkv = Array.from(fixedValues(D * 3 * D, 22));
  const bqkv = Array.from(fixedValues(3 * D, 23)).map((v) => 0.5 * v);
  const wo = Array.from(fixedValues(D * D, 24));
  const bo = Array.from(fixedValues(D, 25));
  const r = Array.from(fixedValues(B * T * D, 26));

  function makeLayer(): MultiHeadSelfAttention {
    const layer = new MultiHeadSelfAttention({ numHeads: H, seed: 0 });
    layer.apply(tf.zeros([B, T, D]));
    layer.setWeights([
      tf.tensor2d(wqkv, [D, 3 * D]),
      tf.tensor1d(bqkv),
      tf.tensor2d(wo, [D, D]),
      tf.tensor1d(bo),
    ]);
    return layer;
  }

  function bruteAll(x: number[], qkvW = wqkv): number[] {
    const out: number[] = [];
    for (let b = 0; b < B; b++) {
      const seq = rows(x.slice(b * T * D, (b + 1) * T * D), T, D);
      out.push(...attentionBrute(seq, rows(qkvW, D, 3 * D), bqkv, rows(wo, D, D), bo, H).flat());
    }
    return out;
  }

  it('matches brute-force attention on T = 3, D = 4, H = 2 with set weights', () => {
    const layer = makeLayer();
    const y = layer.apply(tf.tensor3d(xFlat, [B, T, D])) as tf.Tensor;
    expect(y.shape).toEqual([B, T, D]);
    expectClose(y.dataSync(), bruteAll(xFlat), 1e-5, 1e-4);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[4, 12], [12], [4, 4], [4]]);
  });

  it('has the gradients of the brute force (central differences, float64)', () => {
    const layer = makeLayer();
    const rT = tf.tensor3d(r, [B, T, D]);
    const loss = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, rT));
    const gx = tf
      .grad(loss)(tf.tensor3d(xFlat, [B, T, D]))
      .dataSync();
    const qkvVar = layer.trainableWeights[0].read() as tf.Variable;
    const { grads } = tf.variableGrads(() => loss(tf.tensor3d(xFlat, [B, T, D])), [qkvVar]);
    const gw = grads[qkvVar.name].dataSync();
    const f = (x: number[], w = wqkv): number =>
      bruteAll(x, w).reduce((s, v, i) => s + v * r[i], 0);
    const h = 1e-6;
    const numX = xFlat.map((_, i) => {
      const p = [...xFlat];
      const m = [...xFlat];
      p[i] += h;
      m[i] -= h;
      return (f(p) - f(m)) / (2 * h);
    });
    const numW = wqkv.map((_, i) => {
      const p = [...wqkv];
      const m = [...wqkv];
      p[i] += h;
      m[i] -= h;
      return (f(xFlat, p) - f(xFlat, m)) / (2 * h);
    });
    expectClose(gx, numX, 1e-4, 1e-3);
    expectClose(gw, numW, 1e-4, 1e-3);
  });

  it('initializes as MAE (xavier kernels, zero biases) from its seed, and leaks nothing', () => {
    const a = new MultiHeadSelfAttention({ numHeads: 4, seed: 3 });
    const b = new MultiHeadSelfAttention({ numHeads: 4, seed: 3 });
    const x = tf.randomNormal([2, 5, 32], 0, 1, 'float32', 0);
    a.apply(x);
    b.apply(x);
    const [qkv, qb, proj, pb] = a.getWeights().map((w) => w.dataSync());
    expectClose(qkv, b.getWeights()[0].dataSync(), 0, 0);
    const limit = Math.sqrt(6 / (32 + 96));
    expect(qkv.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(proj.every((v) => Math.abs(v) <= Math.sqrt(6 / 64))).toBe(true);
    expect([...qb, ...pb].every((v) => v === 0)).toBe(true);
    expectNoLeak(() => {
      a.apply(x);
    });
    expect(() => a.apply(tf.zeros([1, 2, 30]))).toThrow(/divisible by numHeads 4/);
  });

  it('round-trips in a model', async () => {
    const model = tf.sequential({
      layers: [new MultiHeadSelfAttention({ numHeads: 2, qkvBias: false, inputShape: [3, 4] })],
    });
    const loaded = await roundTrip(model);
    const layer = loaded.layers[0] as MultiHeadSelfAttention;
    expect([layer.numHeads, layer.qkvBias]).toEqual([2, false]);
    const x = tf.tensor3d(xFlat, [B, T, D]);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
  });
});
