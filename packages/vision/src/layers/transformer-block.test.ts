import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@selfsup/core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, fixedValues, roundTrip } from './test-helpers';
import { TransformerBlock } from './transformer-block';

type Mat = number[][];
const mat = (flat: ArrayLike<number>, r: number, c: number): Mat =>
  Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => flat[i * c + j]));
const matmul = (a: Mat, w: Mat, bias: number[]): Mat =>
  a.map((row) => w[0].map((_, j) => row.reduce((s, v, i) => s + v * w[i][j], bias[j])));

/** erf by its Taylor series (float64, accurate to ~1e-15 for |x| < 3). */
function erf(x: number): number {
  if (Math.abs(x) >= 3) throw new Error(`test erf: |x| < 3 expected, got ${x}`);
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const geluErf = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
const geluTanh = (v: number): number =>
  0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));

function layerNorm(a: Mat, g: number[], b: number[], eps: number): Mat {
  return a.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + eps)) * g[j] + b[j]);
  });
}

function attention(x: Mat, w: Mat, bw: number[], o: Mat, bo: number[], heads: number): Mat {
  const D = x[0].length;
  const dh = D / heads;
  const qkv = matmul(x, w, bw);
  const out = x.map(() => new Array<number>(D).fill(0));
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < x.length; t++) {
      const s = x.map((_, u) => {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += qkv[t][h * dh + c] * qkv[u][D + h * dh + c];
        return Math.exp(dot / Math.sqrt(dh));
      });
      const z = s.reduce((a, b) => a + b, 0);
      x.forEach((_, u) => {
        for (let c = 0; c < dh; c++) out[t][h * dh + c] += (s[u] / z) * qkv[u][2 * D + h * dh + c];
      });
    }
  }
  return matmul(out, o, bo);
}

describe('TransformerBlock', () => {
  const [B, T, D, H, hidden] = [2, 3, 4, 2, 8];
  const eps = 1e-6;
  const shapes: [string, number[]][] = [
    ['norm1/gamma', [D]],
    ['norm1/beta', [D]],
    ['attn/qkv/kernel', [D, 3 * D]],
    ['attn/qkv/bias', [3 * D]],
    ['attn/proj/kernel', [D, D]],
    ['attn/proj/bias', [D]],
    ['norm2/gamma', [D]],
    ['norm2/beta', [D]],
    ['mlp/fc1/kernel', [D, hidden]],
    ['mlp/fc1/bias', [hidden]],
    ['mlp/fc2/kernel', [hidden, D]],
    ['mlp/fc2/bias', [D]],
  ];
  const values = shapes.map(([name, s], i) => {
    const v = Array.from(
      fixedValues(
        s.reduce((a, b) => a * b, 1),
        40 + i,
      ),
    );
    return name.endsWith('gamma') ? v.map((u) => 1 + 0.3 * u) : v.map((u) => 0.8 * u);
  });
  const xFlat = Array.from(fixedValues(B * T * D, 50)).map((v) => 1.5 * v);

  function block(gelu: 'none' | 'tanh'): TransformerBlock {
    const layer = new TransformerBlock({ numHeads: H, mlpRatio: 2, gelu, seed: 1 });
    layer.apply(tf.zeros([B, T, D]));
    layer.setWeights(values.map((v, i) => tf.tensor(v, shapes[i][1])));
    return layer;
  }

  function brute(gelu: (v: number) => number): number[] {
    const [g1, b1, wq, bq, wo, bo, g2, b2, w1, bb1, w2, bb2] = values;
    const out: number[] = [];
    for (let b = 0; b < B; b++) {
      const x = mat(xFlat.slice(b * T * D), T, D);
      const a = attention(layerNorm(x, g1, b1, eps), mat(wq, D, 3 * D), bq, mat(wo, D, D), bo, H);
      const y = x.map((row, t) => row.map((v, j) => v + a[t][j]));
      const h1 = matmul(layerNorm(y, g2, b2, eps), mat(w1, D, hidden), bb1).map((row) =>
        row.map(gelu),
      );
      const m = matmul(h1, mat(w2, hidden, D), bb2);
      out.push(...y.flatMap((row, t) => row.map((v, j) => v + m[t][j])));
    }
    return out;
  }

  it('is pre-norm attention + MLP with residuals, exact (erf) GELU by default', () => {
    const layer = block('none');
    expect(layer.gelu).toBe('none');
    expect(layer.trainableWeights.map((w) => w.originalName)).toEqual(
      shapes.map(([n]) => `${layer.name}/${n}`),
    );
    const y = layer.apply(tf.tensor3d(xFlat, [B, T, D])) as tf.Tensor;
    expectClose(y.dataSync(), brute(geluErf), 1e-5, 1e-4);
  });

  it("uses the tanh approximation with gelu: 'tanh'", () => {
    const y = block('tanh').apply(tf.tensor3d(xFlat, [B, T, D])) as tf.Tensor;
    expectClose(y.dataSync(), brute(geluTanh), 1e-5, 1e-4);
  });

  it('runs on any number of tokens (MAE encodes a subset)', () => {
    const layer = block('none');
    expect((layer.apply(tf.zeros([3, 7, D])) as tf.Tensor).shape).toEqual([3, 7, D]);
  });

  it('drop path drops whole residual branches per sample, only in training, scaled by 1/keep', () => {
    const d = 8;
    const layer = new TransformerBlock({ numHeads: 2, dropPath: 0.5, seed: 2 });
    const x = tf.randomNormal([32, 4, d], 0, 1, 'float32', 3);
    layer.apply(x);
    // Zero the attention output projection: then y = x + drop(mlp(norm2(x))).
    const w = layer.getWeights();
    w[4] = tf.zerosLike(w[4]);
    w[5] = tf.zerosLike(w[5]);
    layer.setWeights(w);
    const inference = layer.apply(x) as tf.Tensor;
    const branch = tf.sub(inference, x).arraySync() as number[][][];
    const train = tf
      .sub(layer.apply(x, { training: true }) as tf.Tensor, x)
      .arraySync() as number[][][];
    let dropped = 0;
    train.forEach((sample, i) => {
      const flat = sample.flat();
      const ref = branch[i].flat();
      if (flat.every((v) => v === 0)) dropped++;
      else
        expectClose(
          flat,
          ref.map((v) => v / 0.5),
          1e-5,
          1e-4,
        );
    });
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(28);
    // A second training call draws a fresh mask.
    const again = tf
      .sub(layer.apply(x, { training: true }) as tf.Tensor, x)
      .arraySync() as number[][][];
    expect(again.map((s) => s.flat().every((v) => v === 0))).not.toEqual(
      train.map((s) => s.flat().every((v) => v === 0)),
    );
  });

  it('initializes as MAE from its seed (xavier kernels, zero biases, LN ones/zeros)', () => {
    const a = new TransformerBlock({ numHeads: 4, seed: 11 });
    const b = new TransformerBlock({ numHeads: 4, seed: 11 });
    const c = new TransformerBlock({ numHeads: 4, seed: 12 });
    for (const l of [a, b, c]) l.apply(tf.zeros([1, 2, 32]));
    const wa = a.getWeights().map((t) => Array.from(t.dataSync()));
    expect(b.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(wa);
    expect(Array.from(c.getWeights()[2].dataSync())).not.toEqual(wa[2]);
    expect(wa[0].every((v) => v === 1) && wa[1].every((v) => v === 0)).toBe(true);
    expect(wa[8].every((v) => Math.abs(v) <= Math.sqrt(6 / (32 + 128)))).toBe(true);
    expect([...wa[3], ...wa[5], ...wa[9], ...wa[11]].every((v) => v === 0)).toBe(true);
  });

  it("trains on wasm (selfsup's kernels: fused LayerNorm and GELU with @selfsup/native) as on cpu", async () => {
    const layer = new TransformerBlock({ numHeads: 2, mlpRatio: 2, seed: 5 });
    const [b, t, d] = [3, 17, 32];
    const x = tf.tensor3d(fixedValues(b * t * d, 11), [b, t, d]);
    const w = tf.tensor3d(fixedValues(b * t * d, 12), [b, t, d]);
    layer.apply(x); // builds the weights (on cpu)
    const grads = () =>
      tf.tidy(() => {
        const { value, grads: g } = tf.variableGrads(() =>
          tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)),
        );
        const names = layer.trainableWeights.map((v) => (v.read() as tf.Variable).name);
        expect(Object.keys(g).sort()).toEqual([...names].sort()); // every weight, LN's included
        return [value, ...names.map((n) => g[n])].map((v) => Float32Array.from(v.dataSync()));
      });
    const cpu = grads();
    try {
      await initBackend('wasm');
      const wasm = grads();
      wasm.forEach((g, i) => expectClose(g, cpu[i], 1e-4, 1e-3));
    } finally {
      await tf.setBackend('cpu');
      tf.dispose([x, w]);
      layer.dispose();
    }
  });

  it('leaks nothing in inference or training, and round-trips', async () => {
    const layer = new TransformerBlock({ numHeads: 2, dropPath: 0.1, inputShape: [3, 4], seed: 4 });
    const model = tf.sequential({ layers: [layer] });
    const x = tf.tensor3d(xFlat, [B, T, D]);
    expectNoLeak(() => {
      model.predict(x);
      model.apply(x, { training: true });
    });
    const loaded = await roundTrip(model);
    const back = loaded.layers[0] as TransformerBlock;
    expect([back.numHeads, back.mlpRatio, back.dropPathRate, back.epsilon, back.seed]).toEqual([
      2, 4, 0.1, 1e-6, 4,
    ]);
    expectClose(
      (loaded.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      0,
      0,
    );
  });
});
