import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { SGD, type SGDOptions } from './sgd';

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

/** Runs SGD from p = [1, 2] with g1 = [0.1, -0.2], g2 = [0.3, 0.1]; returns p after each step. */
function twoSteps(options: SGDOptions): number[][] {
  const p = track(tf.variable(tf.tensor1d([1, 2])));
  const opt = track(new SGD(options));
  const out: number[][] = [];
  for (const g of [
    [0.1, -0.2],
    [0.3, 0.1],
  ]) {
    const grad = tf.tensor1d(g);
    opt.applyGradients({ [p.name]: grad }, [p]);
    grad.dispose();
    out.push(values(p));
  }
  return out;
}

describe('SGD', () => {
  it('plain SGD: p -= lr * g', () => {
    const [p1, p2] = twoSteps({ learningRate: 0.1 });
    expectClose(p1, [0.99, 2.02]);
    expectClose(p2, [0.96, 2.01]);
  });

  it('momentum and weight decay, two steps by hand (torch.optim.SGD)', () => {
    // d1 = g1 + 0.01 p0 = [0.11, -0.18]; b1 = d1; p1 = p0 - 0.1 b1 = [0.989, 2.018]
    // d2 = g2 + 0.01 p1 = [0.30989, 0.12018]; b2 = 0.9 b1 + d2 = [0.40889, -0.04182]
    // p2 = p1 - 0.1 b2 = [0.948111, 2.022182]
    const [p1, p2] = twoSteps({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 });
    expectClose(p1, [0.989, 2.018]);
    expectClose(p2, [0.948111, 2.022182]);
  });

  it('nesterov momentum with weight decay, two steps by hand', () => {
    // step 1: d = [0.11, -0.18]; b = d; d' = d + 0.9 b = [0.209, -0.342]; p1 = [0.9791, 2.0342]
    // step 2: d = g2 + 0.01 p1 = [0.309791, 0.120342]; b = 0.9 b + d = [0.408791, -0.041658]
    //         d' = d + 0.9 b = [0.6777029, 0.0828498]; p2 = p1 - 0.1 d' = [0.91132971, 2.02591502]
    const [p1, p2] = twoSteps({
      learningRate: 0.1,
      momentum: 0.9,
      weightDecay: 0.01,
      nesterov: true,
    });
    expectClose(p1, [0.9791, 2.0342]);
    expectClose(p2, [0.91132971, 2.02591502]);
  });

  it('dampening applies from the second step on (the first buffer is the raw gradient)', () => {
    // b1 = g1; p1 = [0.99, 2.02]; b2 = 0.9 g1 + 0.5 g2 = [0.24, -0.13]; p2 = p1 - 0.1 b2
    const [p1, p2] = twoSteps({ learningRate: 0.1, momentum: 0.9, dampening: 0.5 });
    expectClose(p1, [0.99, 2.02]);
    expectClose(p2, [0.966, 2.033]);
  });

  it('minimizes a quadratic with momentum', () => {
    const target = tf.tensor2d([
      [3, -1],
      [0.5, 2],
    ]);
    const x = track(tf.variable(tf.zeros([2, 2])));
    const opt = track(new SGD({ learningRate: 0.05, momentum: 0.9 }));
    const loss = (): tf.Scalar => tf.sum(tf.square(tf.sub(x, target)));
    for (let i = 0; i < 200; i++) {
      const { value, grads } = tf.variableGrads(loss, [x]);
      opt.applyGradients(grads, [x]);
      tf.dispose([value, grads]);
    }
    expectClose(values(x), [3, -1, 0.5, 2], 1e-3);
    target.dispose();
  });

  it('round-trips its state: a copy continues exactly like the original', () => {
    const options = { learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 };
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
    const a = track(new SGD(options));
    for (let s = 0; s < 3; s++) {
      const g = gradsAt(s, va);
      a.applyGradients(g, va);
      tf.dispose(g);
    }
    const vb = make();
    const vc = make(); // same variables, fresh optimizer without the restored buffers
    va.forEach((v, i) => {
      vb[i].assign(v);
      vc[i].assign(v);
    });
    const b = track(new SGD(options));
    const c = track(new SGD(options));
    b.setSlots(vb, a.getSlots(va), a.iterations);
    expect(Object.keys(b.getSlots(vb)[0])).toEqual(['momentumBuffer']);
    for (let s = 3; s < 5; s++) {
      for (const [opt, vars] of [
        [a, va],
        [b, vb],
        [c, vc],
      ] as const) {
        const g = gradsAt(s, vars);
        opt.applyGradients(g, vars);
        tf.dispose(g);
      }
    }
    va.forEach((v, i) => expect(values(vb[i])).toEqual(values(v)));
    expect(values(vc[0])).not.toEqual(values(va[0]));
    expect(b.iterations).toBe(5);
  });

  it('uses a learning rate set between steps, and validates options', () => {
    const p = track(tf.variable(tf.tensor1d([1, 2])));
    const opt = track(new SGD({ learningRate: 0.1, weightDecay: 0.5 }));
    const g = tf.tensor1d([1, 1]);
    opt.learningRate = 0;
    opt.applyGradients({ [p.name]: g }, [p]);
    expect(values(p)).toEqual([1, 2]);
    opt.learningRate = 0.5;
    opt.applyGradients({ [p.name]: g }, [p]);
    expectClose(values(p), [1 - 0.5 * 1.5, 2 - 0.5 * 2]);
    g.dispose();
    expect(opt.iterations).toBe(2);
    expect(opt.getConfig()).toEqual({
      className: 'SGD',
      learningRate: 0.5,
      momentum: 0,
      nesterov: false,
      weightDecay: 0.5,
      dampening: 0,
    });
    expect(opt.getSlots([p])).toEqual([{}]);
    expect(() => new SGD({ learningRate: 0.1, nesterov: true })).toThrow(
      /nesterov needs momentum > 0/,
    );
    expect(() => (opt.learningRate = Number.NaN)).toThrow(/learningRate must be a finite number/);
  });

  it('leaks no tensors over repeated steps and frees its slots on dispose', () => {
    const w = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 2));
    const before = tf.memory().numTensors;
    const opt = new SGD({ learningRate: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
    const step = (): void => {
      const grads = { [w.name]: tf.onesLike(w) };
      opt.applyGradients(grads, [w]);
      tf.dispose(grads);
    };
    step();
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(afterFirst);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
