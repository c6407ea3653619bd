import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@selfsup/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Conv2d } from './conv2d';
import { expectClose, expectNoLeak, fixedValues, roundTrip } from './test-helpers';

interface Geometry {
  b: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  s: number;
  p: number;
}

/**
 * float64 brute force of PyTorch's Conv2d (channels last, zero padding p on every side) and of
 * the gradients of sum(y * r) with respect to x and the kernel.
 */
function bruteForce(
  g: Geometry,
  x: ArrayLike<number>,
  wt: ArrayLike<number>,
  r: ArrayLike<number>,
): { y: number[]; dx: number[]; dw: number[]; oh: number; ow: number } {
  const oh = Math.floor((g.h + 2 * g.p - g.k) / g.s) + 1;
  const ow = Math.floor((g.w + 2 * g.p - g.k) / g.s) + 1;
  const y = new Array<number>(g.b * oh * ow * g.cout).fill(0);
  const dx = new Array<number>(x.length).fill(0);
  const dw = new Array<number>(wt.length).fill(0);
  for (let n = 0; n < g.b; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let co = 0; co < g.cout; co++) {
          const yi = ((n * oh + i) * ow + j) * g.cout + co;
          for (let u = 0; u < g.k; u++)
            for (let v = 0; v < g.k; v++) {
              const hi = i * g.s + u - g.p;
              const wi = j * g.s + v - g.p;
              if (hi < 0 || hi >= g.h || wi < 0 || wi >= g.w) continue;
              for (let ci = 0; ci < g.cin; ci++) {
                const xi = ((n * g.h + hi) * g.w + wi) * g.cin + ci;
                const wi4 = ((u * g.k + v) * g.cin + ci) * g.cout + co;
                y[yi] += x[xi] * wt[wi4];
                dx[xi] += r[yi] * wt[wi4];
                dw[wi4] += r[yi] * x[xi];
              }
            }
        }
  return { y, dx, dw, oh, ow };
}

const GEOMETRIES: Geometry[] = [
  { b: 2, h: 7, w: 7, cin: 3, cout: 4, k: 3, s: 2, p: 1 }, // ResNet's strided 3x3
  { b: 2, h: 9, w: 8, cin: 2, cout: 3, k: 7, s: 2, p: 3 }, // torchvision stem, non-square input
  { b: 1, h: 6, w: 6, cin: 4, cout: 2, k: 3, s: 1, p: 1 },
  { b: 2, h: 5, w: 5, cin: 3, cout: 5, k: 1, s: 2, p: 0 }, // downsample shortcut
  { b: 1, h: 5, w: 5, cin: 2, cout: 2, k: 3, s: 1, p: 2 }, // padding wider than 'same'
];

/** Forward and gradients through the layer on the current backend. */
function throughLayer(
  g: Geometry,
  x: ArrayLike<number>,
  wt: ArrayLike<number>,
  r: ArrayLike<number>,
) {
  const layer = new Conv2d({
    filters: g.cout,
    kernelSize: g.k,
    stride: g.s,
    padding: g.p,
    useBias: false,
    seed: 0,
  });
  const xt = tf.tensor4d(Array.from(x), [g.b, g.h, g.w, g.cin]);
  layer.apply(xt); // builds
  layer.setWeights([tf.tensor4d(Array.from(wt), [g.k, g.k, g.cin, g.cout])]);
  const kernel = layer.trainableWeights[0].read() as tf.Variable;
  const rt = tf.tensor1d(Array.from(r));
  const f = (input: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(tf.reshape(layer.apply(input) as tf.Tensor, [-1]), rt));
  const y = layer.apply(xt) as tf.Tensor;
  const dx = tf.grad(f)(xt);
  const { grads } = tf.variableGrads(() => f(xt), [kernel]);
  const out = {
    shape: y.shape,
    y: Array.from(y.dataSync()),
    dx: Array.from(dx.dataSync()),
    dw: Array.from(grads[kernel.name].dataSync()),
  };
  tf.dispose([xt, rt, y, dx, ...Object.values(grads)]);
  layer.dispose();
  return out;
}

describe('Conv2d', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches a brute-force PyTorch Conv2d, values and both gradients (${backend})`, async () => {
      if (backend === 'wasm') await initBackend('wasm', { quiet: true });
      else await tf.setBackend('cpu');
      for (const g of GEOMETRIES) {
        const x = fixedValues(g.b * g.h * g.w * g.cin, 1);
        const wt = fixedValues(g.k * g.k * g.cin * g.cout, 2);
        const ref0 = bruteForce(g, x, wt, new Float32Array(0));
        const r = fixedValues(ref0.y.length, 3);
        const ref = bruteForce(g, x, wt, r);
        const got = throughLayer(g, x, wt, r);
        expect(got.shape).toEqual([g.b, ref.oh, ref.ow, g.cout]);
        expectClose(got.y, ref.y, 1e-4, 1e-4);
        expectClose(got.dx, ref.dx, 1e-4, 1e-4);
        expectClose(got.dw, ref.dw, 1e-4, 1e-4);
      }
    });
  }

  it('adds a bias, drawn like PyTorch (U(+-1/sqrt(fan_in))) and seeded', () => {
    const make = () => new Conv2d({ filters: 6, kernelSize: 3, padding: 1, seed: 7 });
    const a = make();
    const b = make();
    const x = tf.ones([1, 4, 4, 2]);
    const ya = a.apply(x) as tf.Tensor;
    const yb = b.apply(x) as tf.Tensor;
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    const [kernel, bias] = a.getWeights().map((w) => Array.from(w.dataSync()));
    const bound = 1 / Math.sqrt(3 * 3 * 2);
    expect(bias.length).toBe(6);
    for (const v of [...kernel, ...bias]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    // The bias is added at every position: a zero input gives the bias.
    const y0 = a.apply(tf.zeros([1, 2, 2, 2])) as tf.Tensor;
    expectClose(Array.from(y0.dataSync()).slice(0, 6), bias);
    tf.dispose([x, ya, yb, y0]);
    a.dispose();
    b.dispose();
  });

  it("draws kaiming_normal_(fan_out) for init 'kaimingNormalFanOut'", () => {
    const layer = new Conv2d({
      filters: 64,
      kernelSize: 3,
      useBias: false,
      init: 'kaimingNormalFanOut',
      seed: 1,
    });
    layer.apply(tf.zeros([1, 3, 3, 32]));
    const v = Array.from(layer.getWeights()[0].dataSync());
    const std = Math.sqrt(v.reduce((s, e) => s + e * e, 0) / v.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (3 * 3 * 64)), 2);
    layer.dispose();
  });

  it('skips the input gradient of a first layer (tfjs fused conv computes it)', () => {
    const model = tf.sequential({
      layers: [
        new Conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 1, seed: 0 }),
        new Conv2d({ filters: 4, kernelSize: 3, stride: 2, padding: 1, seed: 1 }),
      ],
    });
    const x = tf.ones([2, 8, 8, 3]);
    const kernels: string[] = [];
    const original = tf.engine().runKernel.bind(tf.engine());
    const engine = tf.engine() as unknown as { runKernel: typeof original };
    engine.runKernel = (name, inputs, attrs) => {
      kernels.push(name);
      return original(name, inputs, attrs);
    };
    try {
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(model.apply(x, { training: true }) as tf.Tensor),
      );
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      engine.runKernel = original;
    }
    // Two filter gradients; one input gradient (the second layer's, for the first's output).
    expect(kernels.filter((k) => k === 'Conv2DBackpropFilter')).toHaveLength(2);
    expect(kernels.filter((k) => k === 'Conv2DBackpropInput')).toHaveLength(1);
    x.dispose();
    model.dispose();
  });

  it('saves and loads through JSON with the same weights and output, leaking nothing', async () => {
    const model = tf.sequential({
      layers: [
        new Conv2d({
          inputShape: [6, 6, 2],
          filters: 3,
          kernelSize: 3,
          stride: 2,
          padding: 1,
          seed: 4,
        }),
      ],
    });
    const loaded = await roundTrip(model);
    const x = tf.tensor4d(fixedValues(72, 5), [1, 6, 6, 2]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(b.shape).toEqual([1, 3, 3, 3]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(loaded.layers[0].getConfig()).toMatchObject({ stride: 2, padding: 1, seed: 4 });
    tf.dispose([x, a, b]);
    expectNoLeak(() => {
      const y = model.predict(tf.zeros([1, 6, 6, 2])) as tf.Tensor;
      y.dispose();
    });
    model.dispose();
    loaded.dispose();
  });

  it('rejects bad arguments and inputs smaller than the kernel, naming them', () => {
    expect(() => new Conv2d({ filters: 0, kernelSize: 3 })).toThrow(
      /filters must be an integer >= 1/,
    );
    expect(() => new Conv2d({ filters: 2, kernelSize: 3, stride: 1.5 })).toThrow(/stride/);
    expect(() => new Conv2d({ filters: 2, kernelSize: 3, padding: -1 })).toThrow(/padding/);
    expect(() => new Conv2d({ filters: 2, kernelSize: 3, init: 'he' as never })).toThrow(/init/);
    const layer = new Conv2d({ filters: 2, kernelSize: 5, seed: 0, name: 'tiny' });
    expect(() => layer.apply(tf.input({ shape: [3, 3, 1] }))).toThrow(
      /Conv2d tiny: input \[3, 3\]/,
    );
  });
});
