import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { batchNormTrain } from './batch-norm-train';
import { data, expectClose, expectWasmMatchesCpu } from './_test-utils';
import { initBackend } from './init-backend';

/** Reference: tf.moments + the formula, differentiated by tfjs's autodiff. */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

describe('batchNormTrain', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('normalizes per channel and returns the biased batch statistics (brute force)', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      const [n, c] = [12, 3];
      const x = data([2, 2, 3, c], 1);
      const gamma = tf.tensor1d([0.5, 2, -1]);
      const beta = tf.tensor1d([0.1, 0, 3]);
      const { y, mean, variance } = batchNormTrain(x, gamma, beta, 1e-3);
      const xv = x.dataSync();
      const g = gamma.dataSync();
      const b = beta.dataSync();
      const wantY = new Float64Array(n * c);
      for (let ch = 0; ch < c; ch++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += xv[i * c + ch] / n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (xv[i * c + ch] - m) ** 2 / n;
        expect(mean.dataSync()[ch]).toBeCloseTo(m, 5);
        expect(variance.dataSync()[ch]).toBeCloseTo(v, 5);
        for (let i = 0; i < n; i++)
          wantY[i * c + ch] = ((xv[i * c + ch] - m) / Math.sqrt(v + 1e-3)) * g[ch] + b[ch];
      }
      expect(y.shape).toEqual(x.shape);
      expect(mean.shape).toEqual([c]);
      expectClose(y.dataSync(), wantY, 1e-5);
    });
  });

  it('gradients match autodiff through tf.moments, for x, gamma and beta', async () => {
    await tf.setBackend('cpu');
    tf.tidy(() => {
      const x = data([4, 3, 5], 2);
      const gamma = data([5], 3);
      const beta = data([5], 4);
      const w = data([4, 3, 5], 5); // a non-uniform upstream gradient
      const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTrain(a, g, b, 1e-2).y, w)),
      )([x, gamma, beta]);
      const ref = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(reference(a, g, b, 1e-2), w)),
      )([x, gamma, beta]);
      ours.forEach((t, i) => expectClose(t.dataSync(), ref[i].dataSync(), 1e-5, 1e-4));
    });
  });

  it('gives the same values and gradients on wasm as on cpu', async () => {
    await initBackend('wasm');
    await expectWasmMatchesCpu(
      () => {
        const x = data([16, 6, 6, 8], 6);
        const gamma = data([8], 7);
        const beta = data([8], 8);
        const w = data([16, 6, 6, 8], 9);
        const { y, mean, variance } = batchNormTrain(x, gamma, beta);
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTrain(a, g, b).y, w)),
        )([x, gamma, beta]);
        return [y, mean, variance, ...grads];
      },
      1e-3,
      1e-3,
    );
  });

  // relu(bn(x) + r) composed of separate ops, differentiated by tfjs's autodiff.
  const fusedReference = (
    x: tf.Tensor,
    g: tf.Tensor,
    b: tf.Tensor,
    r: tf.Tensor | undefined,
    relu: boolean,
  ): tf.Tensor => {
    const pre = r === undefined ? reference(x, g, b, 1e-5) : tf.add(reference(x, g, b, 1e-5), r);
    return relu ? tf.relu(pre) : pre;
  };
  const OPTIONS: Array<[string, boolean, boolean]> = [
    ['residual + relu', true, true],
    ['relu', false, true],
    ['residual', true, false],
  ];

  for (const [what, withResidual, relu] of OPTIONS) {
    it(`fuses ${what}: values and gradients (x, gamma, beta, residual) equal the separate ops`, async () => {
      await tf.setBackend('cpu');
      tf.tidy(() => {
        const x = data([4, 3, 5], 12);
        const gamma = data([5], 13);
        const beta = data([5], 14);
        const r = data([4, 3, 5], 15);
        const w = data([4, 3, 5], 16);
        const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, res: tf.Tensor) =>
          batchNormTrain(a, g, b, 1e-5, { residual: withResidual ? res : undefined, relu }).y;
        const ref = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, res: tf.Tensor) =>
          fusedReference(a, g, b, withResidual ? res : undefined, relu);
        expectClose(ours(x, gamma, beta, r).dataSync(), ref(x, gamma, beta, r).dataSync());
        // About half the outputs are clipped by the relu, so the mask matters.
        if (relu) {
          const zeros = ours(x, gamma, beta, r)
            .dataSync()
            .filter((v) => v === 0).length;
          expect(zeros).toBeGreaterThan(10);
        }
        const loss =
          (f: typeof ours) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, res: tf.Tensor) =>
            tf.sum(tf.mul(f(a, g, b, res), w));
        // r only where it is used: tf.grads refuses an input the loss does not depend on.
        const xs = withResidual ? [x, gamma, beta, r] : [x, gamma, beta];
        const args =
          (f: typeof ours) =>
          (...t: tf.Tensor[]) =>
            loss(f)(t[0], t[1], t[2], t[3] ?? r);
        const got = tf.grads(args(ours))(xs);
        const want = tf.grads(args(ref))(xs);
        got.forEach((t, i) => expectClose(t.dataSync(), want[i].dataSync(), 1e-5, 1e-4));
      });
    });
  }

  it('fused residual + relu gives the same values and gradients on wasm (native and not) as on cpu', async () => {
    await initBackend('wasm');
    await expectWasmMatchesCpu(
      () => {
        const x = data([16, 6, 6, 8], 17);
        const gamma = data([8], 18);
        const beta = data([8], 19);
        const r = data([16, 6, 6, 8], 20);
        const w = data([16, 6, 6, 8], 21);
        const out = OPTIONS.map(([, withResidual, relu]) => {
          const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, res: tf.Tensor) =>
            batchNormTrain(a, g, b, 1e-5, { residual: withResidual ? res : undefined, relu }).y;
          const xs = withResidual ? [x, gamma, beta, r] : [x, gamma, beta];
          const grads = tf.grads((...t: tf.Tensor[]) =>
            tf.sum(tf.mul(f(t[0], t[1], t[2], t[3] ?? r), w)),
          )(xs);
          return [f(x, gamma, beta, r), ...grads];
        });
        return out.flat();
      },
      1e-3,
      1e-3,
    );
  });

  it('fused: the backward pass keeps x and the output only (no normalized or summed copies)', async () => {
    await initBackend('wasm');
    const x = data([8, 4, 4, 3], 22);
    const r = data([8, 4, 4, 3], 23);
    const gamma = tf.variable(tf.ones([3]));
    const beta = tf.variable(tf.zeros([3]));
    const before = tf.memory();
    // Buffers of x's size alive at the end of the forward pass, per variant.
    const kept = (fused: boolean): number => {
      let count = 0;
      const { grads, value } = tf.variableGrads(() => {
        const y = fused
          ? batchNormTrain(x, gamma, beta, 1e-5, { residual: r, relu: true }).y
          : tf.relu(tf.add(batchNormTrain(x, gamma, beta).y, r));
        const engine = tf.engine() as unknown as {
          state: { activeTape: { saved?: tf.Tensor[] }[] };
        };
        const ids = new Set<unknown>();
        for (const node of engine.state.activeTape)
          for (const t of node.saved ?? []) if (t.size === x.size) ids.add(t.dataId);
        count = ids.size;
        return tf.sum(y);
      });
      tf.dispose([value, ...Object.values(grads)]);
      return count;
    };
    // Unfused: x, the batch norm's output (saved by nothing here but the relu's input, the sum),
    // the sum; fused: x and the output.
    expect(kept(true)).toBe(2);
    expect(kept(false)).toBeGreaterThan(2);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    tf.dispose([x, r, gamma, beta]);
  });

  it('leaks nothing: the statistics belong to the caller scope, the tape frees its saved tensors', async () => {
    await initBackend('wasm');
    const x = data([8, 4, 4, 3], 10);
    const gamma = tf.variable(tf.ones([3]));
    const beta = tf.variable(tf.zeros([3]));
    const before = tf.memory();
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        batchNormTrain(x, gamma, beta);
        const { grads } = tf.variableGrads(() =>
          tf.sum(tf.square(batchNormTrain(x, gamma, beta).y)),
        );
        expect(Object.keys(grads).sort()).toEqual([beta.name, gamma.name].sort());
      });
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    }
    const kept = batchNormTrain(x, gamma, beta);
    expect(tf.memory().numTensors).toBe(before.numTensors + 3);
    tf.dispose([kept.y, kept.mean, kept.variance, x, gamma, beta]);
  });

  it('rejects mismatched shapes and a non-positive epsilon', () => {
    expect(() =>
      batchNormTrain(tf.zeros([2, 3]), tf.ones([3]), tf.zeros([3]), 1e-5, {
        residual: tf.zeros([2, 4]),
      }),
    ).toThrow(/expected residual of x's shape \[2,3\], got \[2,4\]/);
    tf.tidy(() => {
      const x = tf.zeros([2, 3]);
      expect(() => batchNormTrain(x, tf.ones([4]), tf.zeros([3]))).toThrow(
        /gamma of shape \[3\], got \[4\]/,
      );
      expect(() => batchNormTrain(tf.zeros([3]), tf.ones([3]), tf.zeros([3]))).toThrow(/rank >= 2/);
      expect(() => batchNormTrain(x, tf.ones([3]), tf.zeros([3]), 0)).toThrow(/epsilon > 0/);
    });
  });
});
