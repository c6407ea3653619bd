import { describe, expect, it } from 'vitest';
import { minimizeLbfgs } from './minimize-lbfgs';

describe('minimizeLbfgs', () => {
  it('finds the minimum of an ill-conditioned quadratic', () => {
    // f(x) = sum_i c_i (x_i - t_i)^2 with condition number 1e4.
    const c = [1, 10, 100, 1000, 10000];
    const t = [3, -1, 0.5, 2, -4];
    const r = minimizeLbfgs(
      (x) => ({
        loss: c.reduce((s, ci, i) => s + ci * (x[i] - t[i]) ** 2, 0),
        grad: Float64Array.from(c, (ci, i) => 2 * ci * (x[i] - t[i])),
      }),
      new Float64Array(5),
      { gradientTolerance: 1e-9, tolerance: 0 },
    );
    expect(r.converged).toBe(true);
    t.forEach((ti, i) => expect(r.x[i]).toBeCloseTo(ti, 6));
  });

  it('minimizes the Rosenbrock function', () => {
    const r = minimizeLbfgs(
      ([a, b]) => ({
        loss: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
        grad: Float64Array.of(-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)),
      }),
      Float64Array.of(-1.2, 1),
      { gradientTolerance: 1e-8, tolerance: 0, maxIterations: 1000 },
    );
    expect(r.stopReason === 'gradient' || r.stopReason === 'line-search').toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it('reports the stop reason: iteration cap, loss change, and a zero gradient at the start', () => {
    const quad = (x: Float64Array) => ({
      loss: x.reduce((s, v, i) => s + (i + 1) * v * v, 0),
      grad: x.map((v, i) => 2 * (i + 1) * v),
    });
    const capped = minimizeLbfgs(
      quad,
      Float64Array.from({ length: 20 }, () => 1),
      {
        maxIterations: 2,
        tolerance: 0,
        gradientTolerance: 0,
      },
    );
    expect(capped.stopReason).toBe('max-iterations');
    expect(capped.converged).toBe(false);
    expect(capped.iterations).toBe(2);
    const loose = minimizeLbfgs(
      quad,
      Float64Array.from({ length: 20 }, () => 1),
      {
        tolerance: 0.5,
        window: 1,
        gradientTolerance: 0,
      },
    );
    expect(loose.stopReason).toBe('loss-change');
    const atMin = minimizeLbfgs(quad, new Float64Array(3));
    expect(atMin.stopReason).toBe('gradient');
    expect(atMin.iterations).toBe(0);
  });
});
