import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { LARS, type LARSOptions } from './lars';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

const expectClose = (actual: number[], expected: number[], tol = 1e-6): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThan(tol));
};

const created: { dispose(): void }[] = [];
const track = <T extends { dispose(): void }>(x: T): T => {
  created.push(x);
  return x;
};
afterEach(() => {
  created.splice(0).forEach((x) => x.dispose());
});

/** solo-learn's LARS.step for one non-excluded parameter, in float64. */
function referenceLARS(
  p0: number[],
  grads: number[][],
  o: { lr: number; momentum: number; wd: number; eta: number; eps: number; clip: boolean },
): number[] {
  const p = [...p0];
  let buf: number[] = [];
  const norm = (x: number[]): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  for (const g of grads) {
    let d = [...g];
    const pNorm = norm(p);
    const gNorm = norm(g);
    if (pNorm !== 0 && gNorm !== 0) {
      let larsLr = (o.eta * pNorm) / (gNorm + pNorm * o.wd + o.eps);
      if (o.clip) larsLr = Math.min(larsLr / o.lr, 1);
      d = d.map((v, i) => (v + o.wd * p[i]) * larsLr);
    }
    // The first update initializes the buffer with d (PyTorch's momentum_buffer = clone(d_p)).
    buf = buf.length === 0 ? [...d] : buf.map((b, i) => o.momentum * b + d[i]);
    for (let i = 0; i < p.length; i++) p[i] -= o.lr * buf[i];
  }
  return p;
}

/** One LARS step on a variable of `shape` holding `p`, with gradient `g`; returns the new values. */
function oneStep(options: LARSOptions, p: number[], g: number[], shape: number[]): number[] {
  const v = track(tf.variable(tf.tensor(p, shape)));
  const opt = track(new LARS(options));
  const grad = tf.tensor(g, shape);
  opt.applyGradients({ [v.name]: grad }, [v]);
  grad.dispose();
  return values(v);
}

describe('LARS', () => {
  const p = [3, 4]; // ‖p‖ = 5
  const g = [0.6, 0.8]; // ‖g‖ = 1
  const base = { learningRate: 0.5, weightDecay: 0.1, trustCoefficient: 0.001, momentum: 0.9 };

  it('one step by hand: trust ratio η‖p‖/(‖g‖ + wd‖p‖ + ε) applied to g + wd·p', () => {
    // r = 0.001·5 / (1 + 0.1·5) = 1/300; d = r·([0.6, 0.8] + 0.1·[3, 4]) = [0.003, 0.004]
    // p1 = p − 0.5·d = [2.9985, 3.998]
    expectClose(oneStep(base, p, g, [1, 2]), [2.9985, 3.998]);
  });

  it('clipLr turns the local rate into min(r / lr, 1), as solo-learn', () => {
    // r / lr = (1/300) / 0.5 = 1/150 < 1: d = [0.9, 1.2] / 150 = [0.006, 0.008]; p1 = [2.997, 3.996]
    expectClose(oneStep({ ...base, clipLr: true }, p, g, [1, 2]), [2.997, 3.996]);
    // η = 1: r = 5/1.5, r / lr = 6.67 → clipped to 1: p1 = p − 0.5·[0.9, 1.2] = [2.55, 3.4]
    expectClose(oneStep({ ...base, trustCoefficient: 1, clipLr: true }, p, g, [1, 2]), [2.55, 3.4]);
  });

  it('excludes 1-D variables (bias, norm) from weight decay and adaptation by default', () => {
    expectClose(oneStep(base, p, g, [2]), [3 - 0.3, 4 - 0.4]);
    // ...and a custom predicate can adapt them too.
    expectClose(
      oneStep({ ...base, excludeFromWeightDecayAndAdaptation: () => false }, p, g, [2]),
      [2.9985, 3.998],
    );
  });

  it('skips scaling and weight decay when either norm is zero (solo-learn)', () => {
    expectClose(oneStep(base, p, [0, 0], [1, 2]), [3, 4]);
    expectClose(oneStep(base, [0, 0], g, [1, 2]), [-0.3, -0.4]);
  });

  it('matches solo-learn over three steps with momentum, with and without clipping', () => {
    const grads = [
      [0.6, 0.8, -0.1],
      [-0.2, 0.5, 0.3],
      [1.5, -1, 0.2],
    ];
    const p0 = [0.5, -1, 2];
    for (const clip of [false, true]) {
      const o = { lr: 0.3, momentum: 0.9, wd: 1e-2, eta: 0.02, eps: 1e-8, clip };
      const v = track(tf.variable(tf.tensor2d([p0])));
      const opt = track(
        new LARS({
          learningRate: o.lr,
          momentum: o.momentum,
          weightDecay: o.wd,
          trustCoefficient: o.eta,
          clipLr: clip,
        }),
      );
      for (const gs of grads) {
        const grad = tf.tensor2d([gs]);
        opt.applyGradients({ [v.name]: grad }, [v]);
        grad.dispose();
      }
      expectClose(values(v), referenceLARS(p0, grads, o));
    }
  });

  it('round-trips its state: a copy continues exactly like the original', () => {
    const options = { learningRate: 0.2, weightDecay: 1e-3, trustCoefficient: 0.02 };
    const make = (): tf.Variable[] => [
      track(
        tf.variable(
          tf.tensor2d([
            [0.3, -0.7],
            [1.1, 0.2],
          ]),
        ),
      ),
      track(tf.variable(tf.tensor1d([0.5, -0.5]))),
    ];
    const gradsAt = (s: number, vars: tf.Variable[]): tf.NamedTensorMap => ({
      [vars[0].name]: tf.tensor2d([
        [Math.sin(s), Math.cos(s)],
        [0.1 * s, -0.2],
      ]),
      [vars[1].name]: tf.tensor1d([s - 2, 0.5]),
    });
    const va = make();
    const a = track(new LARS(options));
    for (let s = 0; s < 3; s++) {
      const g3 = gradsAt(s, va);
      a.applyGradients(g3, va);
      tf.dispose(g3);
    }
    const vb = make();
    va.forEach((v, i) => vb[i].assign(v));
    const b = track(new LARS(options));
    b.setSlots(vb, a.getSlots(va), a.iterations);
    for (let s = 3; s < 5; s++) {
      for (const [opt, vars] of [
        [a, va],
        [b, vb],
      ] as const) {
        const g5 = gradsAt(s, vars);
        opt.applyGradients(g5, vars);
        tf.dispose(g5);
      }
    }
    va.forEach((v, i) => expect(values(vb[i])).toEqual(values(v)));
    expect(b.iterations).toBe(5);
  });

  it('uses a learning rate set between steps; reports its config', () => {
    const v = track(tf.variable(tf.tensor2d([p])));
    const opt = track(new LARS({ ...base, momentum: 0 }));
    const grad = tf.tensor2d([g]);
    opt.learningRate = 0;
    opt.applyGradients({ [v.name]: grad }, [v]);
    expect(values(v)).toEqual([3, 4]);
    opt.learningRate = 1;
    opt.applyGradients({ [v.name]: grad }, [v]);
    expectClose(values(v), [2.997, 3.996]);
    grad.dispose();
    expect(opt.getConfig()).toEqual({
      className: 'LARS',
      learningRate: 1,
      momentum: 0,
      weightDecay: 0.1,
      trustCoefficient: 0.001,
      epsilon: 1e-8,
      excludeFromWeightDecayAndAdaptation: 'excludeBiasAndNorm',
      clipLr: false,
      nesterov: false,
      dampening: 0,
    });
    expect(() => new LARS({ learningRate: 0.1, trustCoefficient: -1 })).toThrow(/trustCoefficient/);
  });

  it('leaks no tensors over repeated steps and frees its slots on dispose', () => {
    const w = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 3));
    const bias = tf.variable(tf.zeros([4]));
    const before = tf.memory().numTensors;
    const opt = new LARS({ learningRate: 0.1, weightDecay: 1e-4, clipLr: true, nesterov: true });
    const step = (): void => {
      const grads = { [w.name]: tf.onesLike(w), [bias.name]: tf.onesLike(bias) };
      opt.applyGradients(grads, [w, bias]);
      tf.dispose(grads);
    };
    step();
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(afterFirst);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, bias]);
  });
});
