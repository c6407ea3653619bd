import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { data } from './_test-utils';
import { initBackend } from './init-backend';
import { installLeanBackprop, leanBackpropInstalled, uninstallLeanBackprop } from './lean-backprop';
import { trackWasmBuffers } from './wasm-buffer-tracker';

/** Gradients of f's scalar with respect to xs, as arrays, run with and without lean backprop. */
function gradsBothWays(
  f: () => tf.Scalar,
  xs: tf.Variable[],
): { lean: Float32Array[]; stock: Float32Array[]; leaked: number[] } {
  const run = (lean: boolean): { values: Float32Array[]; leaked: number } => {
    if (lean) installLeanBackprop();
    else uninstallLeanBackprop();
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(f, xs);
    const values = xs.map((x) => Float32Array.from(grads[x.name].dataSync()));
    value.dispose();
    tf.dispose(Object.values(grads));
    return { values, leaked: tf.memory().numTensors - before };
  };
  const stock = run(false);
  const lean = run(true);
  return { lean: lean.values, stock: stock.values, leaked: [stock.leaked, lean.leaked] };
}

/** A customGrad identity whose gradient hands back dy itself: the same tensor object twice. */
const passThrough = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => dy,
}));

describe('installLeanBackprop: same gradients as tfjs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => installLeanBackprop());

  const w1 = tf.variable(data([6, 8], 1), true, 'lean_w1');
  const w2 = tf.variable(data([8, 4], 2), true, 'lean_w2');
  const x = data([5, 6], 3);

  it('an MLP whose hidden layer feeds two branches, and a tensor used twice by one op', () => {
    const { lean, stock, leaked } = gradsBothWays(() => {
      const h = tf.relu(tf.matMul(x, w1));
      const out = tf.tanh(tf.matMul(h, w2));
      // h reaches the loss through out and directly; mul(out, out) has one input twice.
      return tf.add(tf.sum(tf.mul(out, out)), tf.sum(tf.add(h, h))) as tf.Scalar;
    }, [w1, w2]);
    expect(lean).toEqual(stock);
    expect(stock[0].some((v) => v !== 0)).toBe(true);
    expect(leaked).toEqual([0, 0]);
  });

  it('gradients that alias dy (the same tensor object under two ids)', () => {
    const { lean, stock, leaked } = gradsBothWays(() => {
      const h = passThrough(tf.matMul(x, w1));
      const a = passThrough(passThrough(h));
      return tf.sum(tf.mul(tf.add(a, h), tf.sin(h))) as tf.Scalar;
    }, [w1]);
    expect(lean).toEqual(stock);
    expect(leaked).toEqual([0, 0]);
  });

  it('a multi-output op with an unused output', () => {
    const { lean, stock, leaked } = gradsBothWays(() => {
      const [a, , c] = tf.split(tf.matMul(x, w1), [3, 2, 3], 1);
      return tf.sum(tf.mul(a, c)) as tf.Scalar;
    }, [w1]);
    expect(lean).toEqual(stock);
    expect(leaked).toEqual([0, 0]);
  });

  it('a tf.layers model with convolution, batch norm and dense layers', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same' }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const input = data([4, 6, 6, 2], 5);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { lean, stock, leaked } = gradsBothWays(
      () =>
        tf.tidy(() => {
          const y = model.apply(input, { training: true }) as tf.Tensor;
          return tf.mean(tf.square(y)) as tf.Scalar;
        }),
      vars,
    );
    expect(lean).toEqual(stock);
    expect(leaked).toEqual([0, 0]);
    model.dispose();
  });

  it("leaves a caller's dy alone", () => {
    const dy = data([5, 8], 6);
    const g = tf.grad((t: tf.Tensor) => tf.sin(tf.matMul(x, t)))(w1, dy);
    expect(dy.isDisposed).toBe(false);
    const want = tf.tidy(() => tf.matMul(x, tf.mul(dy, tf.cos(tf.matMul(x, w1))), true, false));
    expect(Array.from(g.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([dy, g, want]);
  });

  it('higher-order gradients: d2/dx2 of x^3 is 6x', () => {
    const points = tf.tensor1d([-2, 0.5, 3]);
    const second = tf.grad(tf.grad((t: tf.Tensor) => tf.pow(t, 3)))(points);
    expect(Array.from(second.dataSync())).toEqual([-12, 3, 18]);
    tf.dispose([points, second]);
  });

  it('errors like tfjs when nothing connects x to y', () => {
    const unused = tf.scalar(1);
    expect(() => tf.grads(() => tf.sum(x))([unused])).toThrow(
      /Cannot compute gradient of y=f\(x\)/,
    );
    unused.dispose();
  });

  it('is what initBackend installs', async () => {
    uninstallLeanBackprop();
    await initBackend('cpu', { quiet: true });
    expect(leanBackpropInstalled()).toBe(true);
  });
});

describe('installLeanBackprop: memory', () => {
  beforeAll(async () => {
    await initBackend('wasm', { quiet: true });
  });
  afterAll(async () => {
    installLeanBackprop();
    await tf.setBackend('cpu');
  });

  /** Peak bytes of tensor buffers added on the wasm heap while f runs. */
  function peakHeapBytes(f: () => void): number {
    const tracker = trackWasmBuffers(0)!;
    try {
      f();
    } finally {
      tracker.stop();
    }
    return tracker.peakBytes;
  }

  it('a deep chain peaks at its activations, not activations plus all their gradients', () => {
    // 24 layers of sin(x * w) on 2^18 floats (1 MB). Forward keeps one 1 MB buffer per layer
    // (the input of each Multiply and Sin; tfjs's saved clones share buffers), so the forward
    // peak is about 2 x 24 MB. tfjs then holds every layer's gradient until the end: about 24 MB
    // more. Lean releases each as it goes: a couple of MB more at most.
    const layers = 24;
    const n = 2 ** 18;
    const mb = 4 * n;
    const x = tf.variable(tf.randomUniform([n], -1, 1, 'float32', 1), true, 'lean_chain_x');
    const ws = Array.from({ length: layers }, (_, i) => tf.scalar(1 + i / 100));
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => {
        let h: tf.Tensor = x;
        for (const w of ws) h = tf.sin(tf.mul(h, w));
        return tf.sum(h) as tf.Scalar;
      }, [x]);
      tf.dispose([value, grads.lean_chain_x]);
    };
    uninstallLeanBackprop();
    step();
    const stock = peakHeapBytes(step);
    installLeanBackprop();
    step();
    const before = tf.memory().numTensors;
    const lean = peakHeapBytes(step);
    expect(tf.memory().numTensors).toBe(before);
    // Hand-derived: the forward pass needs >= 2 buffers a layer live at its end.
    expect(lean).toBeGreaterThanOrEqual(2 * layers * mb);
    expect(lean).toBeLessThan((2 * layers + 6) * mb);
    expect(stock).toBeGreaterThan(lean + (layers - 4) * mb);
    tf.dispose([x, ...ws]);
  });
});
