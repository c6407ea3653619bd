import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data } from './_test-utils';
import { initBackend } from './init-backend';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels';

/** Engine and backend counters; all must stay flat. */
function counters(): [number, number, number] {
  const m = tf.memory();
  return [m.numTensors, m.numDataBuffers, tf.backend().numDataIds()];
}

// One entry per registered kernel (by the op that reaches it): the inputs it uses (by index into
// the list built in beforeAll), run plainly and under tf.grads / tf.variableGrads.
const CASES: Array<[string, number[], (...v: tf.Tensor[]) => tf.Tensor]> = [
  [
    'Conv2DBackpropFilter/Input',
    [0, 1],
    (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
  ],
  [
    'Conv3D and its gradients',
    [2, 3],
    (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, [2, 1, 2], 'same'),
  ],
  [
    'Depthwise gradients',
    [0, 4],
    (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
  ],
  [
    'UnsortedSegmentSum (gather)',
    [5],
    (t) => tf.gather(t, tf.tensor1d([1, 1, 3, 0, 3, 3], 'int32')),
  ],
  ['BatchMatMul per-item path', [6], (q) => tf.matMul(q, q, false, true)],
  ['BatchMatMul stock small batched path', [7], (s) => tf.matMul(s, s, true, false)],
  // The gradient of a broadcast product has the wrong shape in tfjs itself, so only a is differentiated.
  [
    'BatchMatMul one-matrix paths',
    [6],
    (q) => tf.matMul(q, tf.reshape(tf.range(0, 960), [40, 24])),
  ],
  [
    'Tile, Slice, SplitV, Unpack',
    [0],
    (x) =>
      tf.concat(tf.unstack(tf.tile(tf.slice(x, [0, 1, 0, 0], [2, 3, 4, 3]), [1, 1, 2, 1]), 2), 1),
  ],
];

describe('wasm training kernels leak nothing', () => {
  let inputs: tf.Tensor[];
  beforeAll(async () => {
    await initBackend('wasm');
    inputs = [
      data([2, 6, 6, 3], 1),
      data([3, 3, 3, 4], 2),
      data([2, 4, 5, 6, 2], 3),
      data([2, 3, 3, 2, 3], 4),
      data([3, 3, 3, 2], 5),
      data([5, 4], 6),
      data([3, 64, 40], 7),
      data([3, 4, 5], 8),
      data([40, 24], 9),
    ];
  });
  afterAll(async () => {
    tf.dispose(inputs);
    tf.env().set('IS_TEST', false);
    await tf.setBackend('cpu');
  });

  it('has every kernel registered exactly by registerWasmTrainingKernels (idempotent)', () => {
    const names = registerWasmTrainingKernels();
    expect(registerWasmTrainingKernels()).toEqual(names);
    for (const n of names) expect(tf.getKernel(n, 'wasm')).toBeDefined();
    expect(names).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'Conv3D',
        'Conv3DBackpropFilterV2',
        'Conv3DBackpropInputV2',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'UnsortedSegmentSum',
        'BatchMatMul',
      ]),
    );
  });

  for (const [label, used, f] of CASES) {
    it(`${label}: counters flat over repeated forward, tf.grads and tf.variableGrads calls`, () => {
      // IS_TEST makes the engine check each kernel call for data ids it leaves behind.
      tf.env().set('IS_TEST', true);
      const xs = used.map((i) => inputs[i]);
      const vars = xs.map((t) => tf.variable(t));
      const loss = (...v: tf.Tensor[]) => tf.sum(tf.square(f(...v)));
      const before = counters();
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          f(...xs);
        });
        tf.dispose(tf.grads(loss)(xs));
        const { value, grads } = tf.variableGrads(() => loss(...vars) as tf.Scalar);
        expect(Object.keys(grads)).toHaveLength(vars.length);
        tf.dispose([value, ...Object.values(grads)]);
        expect(counters()).toEqual(before);
      }
      tf.dispose(vars);
    });
  }
});
