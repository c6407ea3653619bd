import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import { dinoLoss } from './dino';
import {
  expectClose,
  expectNoLeak,
  f32,
  logSumExp,
  type Mat,
  numericGrad,
  randMatrix,
  softmax,
  tfGrads,
  value,
} from './test-helpers';

/** DINOLoss.forward by loops: teacher i vs student v for v != i, mean over pairs. */
function reference(
  students: Mat[],
  teachers: Mat[],
  center: number[],
  tS: number,
  tT: number,
): number {
  let total = 0;
  let pairs = 0;
  teachers.forEach((t, i) => {
    students.forEach((s, v) => {
      if (v === i) return;
      let ce = 0;
      for (let r = 0; r < t.length; r++) {
        const q = softmax(t[r].map((x, k) => (x - center[k]) / tT));
        const logits = s[r].map((x) => x / tS);
        const lse = logSumExp(logits);
        q.forEach((qk, k) => (ce -= qk * (logits[k] - lse)));
      }
      total += ce / t.length;
      pairs++;
    });
  });
  return total / pairs;
}

describe('dinoLoss', () => {
  const rng = createRng(14);
  const [N, K] = [3, 5];
  const students = [0, 1, 2, 3].map(() => f32(randMatrix(rng, N, K, 0.3)));
  const teachers = [0, 1].map(() => f32(randMatrix(rng, N, K, 0.1)));
  const center = f32(randMatrix(rng, 1, K, 0.05)[0]);
  const run = (s: tf.Tensor[], t: tf.Tensor[], c: tf.Tensor, o?: object): tf.Scalar =>
    dinoLoss(s, t, c, o);

  it('matches the brute-force loss over the 6 pairs of different views (defaults 0.1 / 0.04)', () => {
    const got = value(
      run(
        students.map((s) => tf.tensor2d(s)),
        teachers.map((t) => tf.tensor2d(t)),
        tf.tensor2d([center]),
      ),
    );
    expectClose(got, reference(students, teachers, center, 0.1, 0.04), 1e-5, 1e-5);
    const custom = value(
      run(
        students.map((s) => tf.tensor2d(s)),
        teachers.map((t) => tf.tensor2d(t)),
        tf.tensor1d(center),
        {
          studentTemperature: 0.2,
          teacherTemperature: 0.07,
        },
      ),
    );
    expectClose(custom, reference(students, teachers, center, 0.2, 0.07), 1e-5, 1e-5);
    // Two student views only: the pairs (t0, s1) and (t1, s0).
    const two = value(
      run(
        students.slice(0, 2).map((s) => tf.tensor2d(s)),
        teachers.map((t) => tf.tensor2d(t)),
        tf.tensor1d(center),
      ),
    );
    expectClose(two, reference(students.slice(0, 2), teachers, center, 0.1, 0.04), 1e-5, 1e-5);
  });

  it('has the brute-force gradient for the students and none for teachers or center', () => {
    const inputs = [
      ...students.map((s) => tf.tensor2d(s)),
      ...teachers.map((t) => tf.tensor2d(t)),
      tf.tensor2d([center]),
    ];
    const grads = tfGrads((...xs) => dinoLoss(xs.slice(0, 4), xs.slice(4, 6), xs[6]), inputs);
    students.forEach((_, v) => {
      const f = (x: Mat): number =>
        reference(
          students.map((s, j) => (j === v ? x : s)),
          teachers,
          center,
          0.1,
          0.04,
        );
      expectClose(grads[v], numericGrad(f, students[v], [N, K]), 1e-4, 1e-3);
    });
    grads.slice(4).forEach((g) => expect(g.every((x) => x === 0)).toBe(true));
  });

  it('leaks no tensors and rejects bad input', () => {
    const s = students.map((x) => tf.tensor2d(x));
    const t = teachers.map((x) => tf.tensor2d(x));
    const c = tf.tensor1d(center);
    expectNoLeak(() => dinoLoss(s, t, c));
    expect(() => dinoLoss(s.slice(0, 1), t.slice(0, 1), c)).toThrow(/no \(teacher, student\) pair/);
    expect(() => dinoLoss(s, t, tf.zeros([K + 1]))).toThrow(/center/);
    expect(() => dinoLoss([...s, tf.zeros([N, K + 1])], t, c)).toThrow(/same shape/);
    expect(() => dinoLoss(s, t, c, { teacherTemperature: 0 })).toThrow(/teacherTemperature/);
  });
});
