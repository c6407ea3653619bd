import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';
import { planBinary } from './kernels/native';
import { nativeKernelsStatus, useNativeKernels } from './native-kernels';

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';
const ACTIVATIONS: Activation[] = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'sigmoid',
  'leakyrelu',
  'prelu',
];

// `npm ci` builds @selfsup/native wherever a C++ toolchain exists; where it could not, the tests
// of its status skip and say why (the kernels' tests below then check the wasm path alone).
const expectNative = nativeKernelsStatus().available;
if (!expectNative) console.warn(`@selfsup/native unavailable: ${nativeKernelsStatus().reason}`);

describe('@selfsup/native behind the wasm kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    useNativeKernels(process.env.SELFSUP_NATIVE?.trim() !== '0');
    await tf.setBackend('cpu');
  });

  const switchedOff = process.env.SELFSUP_NATIVE?.trim() === '0';
  it.skipIf(!expectNative || switchedOff)(
    'is loaded, active, and named in the backend reason',
    async () => {
      const status = nativeKernelsStatus();
      expect(status.reason).toBe('');
      expect(status.available).toBe(true);
      expect(status.active).toBe(true);
      expect(['avx512', 'avx2', 'generic']).toContain(status.isa);
      const info = await initBackend('wasm');
      expect(info.reason).toMatch(
        /products and convolutions on @selfsup\/native \((avx512|avx2|generic), \d threads?\)/,
      );
      // The wasm module itself stays on one thread; the compute threads are native's.
      expect(info.reason).toMatch(/SIMD, 1 thread,/);
      expect(info.threads).toBe(status.threads);
    },
  );

  it.skipIf(!expectNative)('switches off and on, and says why it is off', () => {
    const off = useNativeKernels(false);
    expect(off.active).toBe(false);
    expect(off.reason).toMatch(/switched off/);
    expect(useNativeKernels(true).active).toBe(true);
  });

  for (const activation of ACTIVATIONS) {
    it(`fused conv2d with bias and ${activation}, and its gradients, match cpu`, async () => {
      await expectWasmMatchesCpu(() => {
        const x = data([3, 9, 8, 4], 1) as tf.Tensor4D;
        const w = data([3, 3, 4, 6], 2) as tf.Tensor4D;
        const bias = data([6], 3);
        const alpha = data([6], 4);
        const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.fused.conv2d({
            x: xi as tf.Tensor4D,
            filter: wi as tf.Tensor4D,
            strides: 2,
            pad: 'same',
            bias: bi,
            activation,
            preluActivationWeights: activation === 'prelu' ? alpha : undefined,
            leakyreluAlpha: 0.3,
          });
        const y = f(x, w, bias);
        // Weighted sum so that every output element's gradient differs.
        const weights = data(y.shape, 5);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(f(a, b, c), weights)),
        )([x, w, bias]);
        return [y, ...grads];
      }, 1e-3);
    });
  }

  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`fused matMul (transposeA ${transposeA}, transposeB ${transposeB}) with bias and relu, and gradients, match cpu`, async () => {
      await expectWasmMatchesCpu(() => {
        const a = data(transposeA ? [33, 20] : [20, 33], 6);
        const b = data(transposeB ? [17, 33] : [33, 17], 7);
        const bias = data([17], 8);
        const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          tf.fused.matMul({ a: p, b: q, transposeA, transposeB, bias: r, activation: 'relu' });
        const weights = data([20, 17], 9);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          tf.sum(tf.mul(f(p, q, r), weights)),
        )([a, b, bias]);
        return [f(a, b, bias), ...grads];
      }, 1e-3);
    });
  }

  it('exp and erf (and their gradients) match cpu on tensors large enough for the native path', async () => {
    await expectWasmMatchesCpu(
      () => {
        const x = tf.mul(data([70, 100], 18), 3);
        const [dExp, dErf] = [tf.exp, tf.erf].map((f) =>
          tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x),
        );
        return [tf.exp(x), tf.erf(x), dExp, dErf, tf.exp(tf.slice(x, [0, 0], [2, 5]))];
      },
      1e-5,
      1e-5,
    );
  });

  it('plans broadcast binary ops as [outer, inner] with each operand full, row, column or scalar', () => {
    const plan = (a: number[], b: number[]) => {
      const p = planBinary(a, b);
      return p && [p.outer, p.inner, p.a, p.b];
    };
    expect(plan([8, 3199, 128], [8, 3199, 128])).toEqual([8 * 3199, 128, 'full', 'full']);
    expect(plan([4096, 192], [192])).toEqual([4096, 192, 'full', 'row']);
    expect(plan([8, 3199, 1], [8, 3199, 128])).toEqual([8 * 3199, 128, 'column', 'full']);
    expect(plan([], [64, 100])).toEqual([64, 100, 'scalar', 'full']);
    expect(plan([2, 1, 300], [2, 50, 300])).toBeUndefined(); // middle-axis broadcast
    expect(plan([2, 1, 3], [1, 4, 1])).toBeUndefined();
  });

  for (const [label, aShape, bShape] of [
    ['same shape', [40, 30, 20], [40, 30, 20]],
    ['row (a bias)', [600, 64], [64]],
    ['column (a per-row scale)', [300, 1], [300, 128]],
    ['scalar', [1], [50, 400]],
    ['middle-axis broadcast (stock kernel)', [20, 1, 900], [20, 8, 900]],
  ] as const) {
    it(`add, sub and mul (${label}) and their gradients match cpu`, async () => {
      await expectWasmMatchesCpu(
        () => {
          const a = data([...aShape], 19);
          const b = data([...bShape], 20);
          const outs: tf.Tensor[] = [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.sub(b, a)];
          const g = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
            tf.sum(tf.mul(tf.sub(tf.mul(p, q), p), q)),
          )([a, b]);
          return [...outs, ...g];
        },
        1e-4,
        1e-5,
      );
    });
  }

  it('a dilated conv2d forward matches cpu', async () => {
    await expectWasmMatchesCpu(() =>
      tf.conv2d(
        data([2, 11, 10, 3], 10) as tf.Tensor4D,
        data([3, 3, 3, 5], 11) as tf.Tensor4D,
        1,
        'same',
        'NHWC',
        2,
      ),
    );
  });

  it('a dense layer and a conv layer of tfjs-layers train to the same weights as on cpu', async () => {
    // tfjs-layers calls the fused kernels with the activations folded in; three SGD steps.
    const train = () => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 2],
            filters: 4,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: 'ones',
            biasInitializer: 'zeros',
          }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 3,
            activation: 'sigmoid',
            kernelInitializer: 'glorotUniform',
            biasInitializer: 'ones',
          }),
        ],
      });
      // Deterministic dense kernel (glorot draws from tfjs's RNG, which differs by backend).
      const dense = model.layers[2];
      dense.setWeights([tf.mul(data([144, 3], 12), 0.1), dense.getWeights()[1]]);
      const x = data([4, 8, 8, 2], 13);
      const y = data([4, 3], 14);
      const optimizer = tf.train.sgd(0.1);
      for (let i = 0; i < 3; i++) {
        optimizer.minimize(
          () => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar,
        );
      }
      const weights = model.getWeights().map((w) => tf.clone(w));
      optimizer.dispose();
      model.dispose();
      return weights;
    };
    await expectWasmMatchesCpu(train, 1e-4);
  });

  it('leaks no tensor over training steps on the native kernels', async () => {
    const w = tf.variable(data([3, 3, 4, 8], 15));
    const d = tf.variable(data([8, 5], 16));
    const x = data([6, 10, 10, 4], 17) as tf.Tensor4D;
    const optimizer = tf.train.sgd(0.01);
    const step = () =>
      optimizer.minimize(() => {
        const h = tf.fused.conv2d({
          x,
          filter: w as tf.Variable<tf.Rank.R4>,
          strides: 1,
          pad: 'same',
          activation: 'relu',
        });
        const pooled = tf.mean(h, [1, 2]);
        return tf.sum(tf.square(tf.matMul(pooled, d)));
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, d, x]);
    optimizer.dispose();
  });
});
