import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AdamW } from './adamw';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

const expectClose = (actual: number[], expected: number[], tol = 1e-6): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThan(tol));
};

/** torch.optim.AdamW's loop, element by element in float64, for the reference values. */
function referenceAdamW(
  p0: number[],
  grads: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; amsgrad?: boolean },
): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vMax = p.map(() => 0);
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - o.lr * o.wd;
      m[i] = o.b1 * m[i] + (1 - o.b1) * g[i];
      v[i] = o.b2 * v[i] + (1 - o.b2) * g[i] * g[i];
      vMax[i] = Math.max(vMax[i], v[i]);
      const second = o.amsgrad ? vMax[i] : v[i];
      const denom = Math.sqrt(second) / Math.sqrt(1 - o.b2 ** t) + o.eps;
      p[i] -= (o.lr / (1 - o.b1 ** t)) * (m[i] / denom);
    }
  });
  return p;
}

const created: { dispose(): void }[] = [];
const track = <T extends { dispose(): void }>(x: T): T => {
  created.push(x);
  return x;
};
afterEach(() => {
  created.splice(0).forEach((x) => x.dispose());
});

/** Applies `grads` (one array per step) to `variable` with `opt`. */
function run(opt: AdamW, variable: tf.Variable, grads: number[][]): void {
  for (const g of grads) {
    const gradient = tf.tensor(g, variable.shape);
    opt.applyGradients({ [variable.name]: gradient }, [variable]);
    gradient.dispose();
  }
}

describe('AdamW', () => {
  const base = { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8 };
  const g1 = [0.5, -1];
  const g2 = [-0.3, 0.2];

  it('first step by hand: decay, then a step of lr along sign(g)', () => {
    // m̂ = g and v̂ = g² after one step, so the Adam step is lr·g/(|g| + ε) ≈ lr·sign(g).
    const w = track(tf.variable(tf.tensor2d([[1, -2]])));
    const opt = track(new AdamW({ learningRate: 0.1, weightDecay: 0.01 }));
    run(opt, w, [g1]);
    expectClose(values(w), [1 * (1 - 0.001) - 0.1, -2 * (1 - 0.001) + 0.1]);
    expect(opt.iterations).toBe(1);
  });

  it('matches the PyTorch formulas over two steps, with and without weight decay', () => {
    for (const wd of [0, 0.01, 0.3]) {
      const w = track(tf.variable(tf.tensor2d([[1, -2]])));
      const opt = track(new AdamW({ learningRate: 0.1, weightDecay: wd }));
      run(opt, w, [g1]);
      expectClose(values(w), referenceAdamW([1, -2], [g1], { ...base, wd }));
      run(opt, w, [g2]);
      expectClose(values(w), referenceAdamW([1, -2], [g1, g2], { ...base, wd }));
    }
  });

  it('matches the PyTorch formulas with amsgrad and non-default betas', () => {
    const o = { lr: 0.05, b1: 0.8, b2: 0.9, eps: 1e-6, wd: 0.1, amsgrad: true };
    const grads = [
      [1, -2],
      [0.1, 0.1],
      [-0.2, 3],
    ];
    const w = track(tf.variable(tf.tensor2d([[0.5, 0.25]])));
    const opt = track(
      new AdamW({
        learningRate: o.lr,
        beta1: o.b1,
        beta2: o.b2,
        epsilon: o.eps,
        weightDecay: o.wd,
        amsgrad: true,
      }),
    );
    run(opt, w, grads);
    expectClose(values(w), referenceAdamW([0.5, 0.25], grads, o));
    // Without amsgrad the result differs (v shrinks at step 2), so the test can fail.
    expect(
      Math.abs(values(w)[0] - referenceAdamW([0.5, 0.25], grads, { ...o, amsgrad: false })[0]),
    ).toBeGreaterThan(1e-4);
  });

  it('excludes a 1-D bias from weight decay by default but not a 2-D kernel', () => {
    const bias = track(tf.variable(tf.tensor1d([1, -2])));
    const kernel = track(tf.variable(tf.tensor2d([[1, -2]])));
    const opt = track(new AdamW({ learningRate: 0.1, weightDecay: 0.3 }));
    for (const g of [g1, g2]) {
      const grads = { [bias.name]: tf.tensor1d(g), [kernel.name]: tf.tensor2d([g]) };
      opt.applyGradients(grads, [bias, kernel]);
      tf.dispose(grads);
    }
    expectClose(values(bias), referenceAdamW([1, -2], [g1, g2], { ...base, wd: 0 }));
    expectClose(values(kernel), referenceAdamW([1, -2], [g1, g2], { ...base, wd: 0.3 }));

    // A custom predicate (decay everything, PyTorch's default) decays the bias too.
    const bias2 = track(tf.variable(tf.tensor1d([1, -2])));
    const opt2 = track(
      new AdamW({ learningRate: 0.1, weightDecay: 0.3, excludeFromWeightDecay: () => false }),
    );
    run(opt2, bias2, [g1, g2]);
    expectClose(values(bias2), referenceAdamW([1, -2], [g1, g2], { ...base, wd: 0.3 }));
  });

  it('counts steps per variable, as PyTorch (a late variable gets a first-step update)', () => {
    const a = track(tf.variable(tf.tensor2d([[1, 1]])));
    const b = track(tf.variable(tf.tensor2d([[1, 1]])));
    const opt = track(new AdamW({ learningRate: 0.1, weightDecay: 0 }));
    const ga = tf.tensor2d([[0.5, 0.5]]);
    opt.applyGradients({ [a.name]: ga }, [a, b]);
    opt.applyGradients({ [a.name]: ga, [b.name]: ga }, [a, b]);
    ga.dispose();
    expectClose(values(b), [0.9, 0.9]); // bias-corrected with t = 1 for b
    expect(opt.iterations).toBe(2);
    expect(values(opt.getSlots([a, b])[1].step)).toEqual([1]);
    expect(values(opt.getSlots([a, b])[0].step)).toEqual([2]);
  });

  it('minimizes a quadratic', () => {
    const target = tf.tensor2d([[3, -1, 0.5]]);
    const x = track(tf.variable(tf.zeros([1, 3])));
    const opt = track(new AdamW({ learningRate: 0.05, weightDecay: 0 }));
    const loss = (): tf.Scalar => tf.sum(tf.square(tf.sub(x, target)));
    const initial = loss().dataSync()[0];
    for (let i = 0; i < 400; i++) {
      const { value, grads } = tf.variableGrads(loss, [x]);
      opt.applyGradients(grads, [x]);
      tf.dispose([value, grads]);
    }
    expect(initial).toBeCloseTo(10.25, 5);
    expectClose(values(x), [3, -1, 0.5], 1e-2);
    target.dispose();
  });

  it('round-trips its state: a copy continues exactly like the original', () => {
    const init = [
      [
        [0.3, -0.7],
        [1.1, 0.2],
      ],
      [0.5, -0.5],
    ];
    const makeVars = (): tf.Variable[] => [
      track(tf.variable(tf.tensor2d(init[0] as number[][]))),
      track(tf.variable(tf.tensor1d(init[1] as number[]))),
    ];
    const gradsAt = (s: number, vars: tf.Variable[]): tf.NamedTensorMap => ({
      [vars[0].name]: tf.tensor2d([
        [Math.sin(s), Math.cos(s)],
        [0.1 * s, -0.2],
      ]),
      [vars[1].name]: tf.tensor1d([s - 2, 0.5]),
    });
    const options = { learningRate: 0.02, weightDecay: 0.1, amsgrad: true };
    const va = makeVars();
    const a = track(new AdamW(options));
    for (let s = 0; s < 3; s++) {
      const g = gradsAt(s, va);
      a.applyGradients(g, va);
      tf.dispose(g);
    }
    const vb = makeVars();
    va.forEach((v, i) => vb[i].assign(v));
    const b = track(new AdamW(options));
    b.setSlots(vb, a.getSlots(va), a.iterations);
    expect(b.iterations).toBe(3);
    expect(Object.keys(b.getSlots(vb)[0]).sort()).toEqual(['m', 'step', 'v', 'vMax']);
    for (let s = 3; s < 5; s++) {
      for (const [opt, vars] of [
        [a, va],
        [b, vb],
      ] as const) {
        const g = gradsAt(s, vars);
        opt.applyGradients(g, vars);
        tf.dispose(g);
      }
    }
    va.forEach((v, i) => expect(values(vb[i])).toEqual(values(v)));
    expect(b.iterations).toBe(5);
  });

  it('rejects inconsistent state and gradients with clear errors', () => {
    const w = track(tf.variable(tf.tensor2d([[1, 2]])));
    const opt = track(new AdamW({ learningRate: 0.1 }));
    const wrong = tf.zeros([2]);
    const right = tf.zeros([1, 2]);
    expect(() => opt.setSlots([w], [{ m: wrong, v: wrong }], 1)).toThrow(
      /shape \[2\], expected \[1, 2\]/,
    );
    expect(() => opt.setSlots([w], [{ m: right }], 1)).toThrow(/lacks v/);
    expect(() => opt.setSlots([w], [{ m: right, v: right, mu: right }], 1)).toThrow(
      /unknown slot 'mu'/,
    );
    expect(() => opt.setSlots([w], [], 1)).toThrow(/one slot record per variable/);
    expect(() => opt.applyGradients({ [w.name]: wrong }, [w])).toThrow(/expected \[1, 2\]/);
    expect(values(w)).toEqual([1, 2]);
    // A state without `step` falls back to `iterations` for the bias correction.
    opt.setSlots([w], [{ m: right, v: right }], 7);
    expect(values(opt.getSlots([w])[0].step)).toEqual([7]);
    tf.dispose([wrong, right]);
    expect(() => new AdamW({ learningRate: 0.1, beta1: 1 })).toThrow(/beta1 must be in \[0, 1\)/);
    expect(() => new AdamW({ learningRate: -1 })).toThrow(/learningRate/);
  });

  it('uses a learning rate set between steps', () => {
    const w = track(tf.variable(tf.tensor2d([[1, -2]])));
    const opt = track(new AdamW({ learningRate: 0.1, weightDecay: 0 }));
    opt.learningRate = 0.25;
    run(opt, w, [g1]);
    expectClose(values(w), [1 - 0.25, -2 + 0.25]);
    opt.learningRate = 0;
    run(opt, w, [g2]);
    expectClose(values(w), [0.75, -1.75]);
    expect(opt.getConfig()).toEqual({
      className: 'AdamW',
      learningRate: 0,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      excludeFromWeightDecay: 'excludeBiasAndNorm',
    });
    expect(JSON.parse(JSON.stringify(opt.getConfig()))).toEqual(opt.getConfig());
  });

  it('leaks no tensors over repeated steps and frees its slots on dispose', () => {
    const w = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1));
    const bias = tf.variable(tf.zeros([4]));
    const before = tf.memory().numTensors;
    const opt = new AdamW({ learningRate: 0.01, amsgrad: true });
    const step = (): void => {
      const grads = { [w.name]: tf.onesLike(w), [bias.name]: tf.onesLike(bias) };
      opt.applyGradients(grads, [w, bias]);
      tf.dispose(grads);
    };
    step();
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(afterFirst);
    opt.setSlots([w, bias], opt.getSlots([w, bias]), opt.iterations);
    expect(tf.memory().numTensors).toBe(afterFirst);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, bias]);
  });
});
