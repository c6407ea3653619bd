/** Loss and gradient at a point. */
export interface LossAndGradient {
  loss: number;
  grad: Float64Array;
}

/** Options of {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Iteration cap. Default 500. */
  maxIterations?: number;
  /**
   * Stop when the relative loss decrease over the last `window` iterations,
   * `(f[k - window] - f[k]) / max(|f[k - window]|, |f[k]|, 1)`, falls below this. Default 1e-5.
   */
  tolerance?: number;
  /** Iterations the loss decrease is measured over. Default 5. */
  window?: number;
  /** Stop when the largest absolute gradient entry falls below this. Default 1e-6. */
  gradientTolerance?: number;
  /** Number of (s, y) pairs kept. Default 10. */
  historySize?: number;
}

/** Why {@link minimizeLbfgs} stopped. */
export type LbfgsStopReason = 'loss-change' | 'gradient' | 'line-search' | 'max-iterations';

/** Result of {@link minimizeLbfgs}. */
export interface LbfgsResult {
  /** The final point. */
  x: Float64Array;
  /** Loss at `x`. */
  loss: number;
  /** Iterations (accepted steps) taken. */
  iterations: number;
  /** Loss / gradient evaluations made. */
  evaluations: number;
  /** Why it stopped. */
  stopReason: LbfgsStopReason;
  /**
   * True unless the iteration cap was hit. A failed line search counts as converged: on a convex
   * loss it means no representable step decreases the loss any further.
   */
  converged: boolean;
}

const ARMIJO_C1 = 1e-4;
const MAX_LINE_SEARCH_STEPS = 30;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Minimizes a smooth function with limited-memory BFGS (Nocedal & Wright, Algorithm 7.4: two-loop
 * recursion, initial Hessian scaled by `s'y / y'y`) and a backtracking Armijo line search with
 * safeguarded quadratic interpolation. Pairs with non-positive curvature are skipped, and the
 * memory is reset if the direction is not a descent direction. Meant for convex problems such as
 * the linear probe's multinomial logistic regression. Arithmetic is in float64.
 *
 * @example
 * ```ts
 * // minimize (x0 - 3)^2 + 10 (x1 + 1)^2
 * const r = minimizeLbfgs((x) => ({
 *   loss: (x[0] - 3) ** 2 + 10 * (x[1] + 1) ** 2,
 *   grad: Float64Array.of(2 * (x[0] - 3), 20 * (x[1] + 1)),
 * }), new Float64Array(2));
 * r.x; // ~[3, -1]
 * ```
 */
export function minimizeLbfgs(
  lossAndGradient: (x: Float64Array) => LossAndGradient,
  x0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-5;
  const window = options.window ?? 5;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const m = options.historySize ?? 10;
  const n = x0.length;

  let x: Float64Array = Float64Array.from(x0);
  let { loss: f, grad: g } = lossAndGradient(x);
  let evaluations = 1;
  if (!Number.isFinite(f)) throw new Error(`minimizeLbfgs: loss at the starting point is ${f}`);
  const losses: number[] = [f];
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  let iterations = 0;
  let stopReason: LbfgsStopReason = 'max-iterations';

  if (maxAbs(g) < gradientTolerance) stopReason = 'gradient';
  while (stopReason === 'max-iterations' && iterations < maxIterations) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rhoHist[j] * dot(sHist[j], d);
      const yj = yHist[j];
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * yj[i];
    }
    if (k > 0) {
      const gamma = dot(sHist[k - 1], yHist[k - 1]) / dot(yHist[k - 1], yHist[k - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const beta = rhoHist[j] * dot(yHist[j], d);
      const sj = sHist[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * sj[i];
    }
    let gd = dot(g, d);
    if (!(gd < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHist.length = 0;
      yHist.length = 0;
      rhoHist.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      gd = dot(g, d);
    }
    // Without curvature information, the first step is scaled to length <= 1.
    let t = sHist.length === 0 ? Math.min(1, 1 / Math.sqrt(-gd)) : 1;

    let accepted: { x: Float64Array; f: number; g: Float64Array } | null = null;
    for (let ls = 0; ls < MAX_LINE_SEARCH_STEPS; ls++) {
      const xn = new Float64Array(n);
      for (let i = 0; i < n; i++) xn[i] = x[i] + t * d[i];
      const r = lossAndGradient(xn);
      evaluations++;
      if (Number.isFinite(r.loss) && r.loss <= f + ARMIJO_C1 * t * gd) {
        accepted = { x: xn, f: r.loss, g: r.grad };
        break;
      }
      // Minimizer of the quadratic through f, f'(0) = gd and f(t), kept within [0.1 t, 0.5 t].
      const tq = Number.isFinite(r.loss) ? (-gd * t * t) / (2 * (r.loss - f - gd * t)) : 0.1 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
    }
    if (!accepted) {
      stopReason = 'line-search';
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = accepted.x[i] - x[i];
      y[i] = accepted.g[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    x = accepted.x;
    f = accepted.f;
    g = accepted.g;
    iterations++;
    losses.push(f);
    if (maxAbs(g) < gradientTolerance) stopReason = 'gradient';
    else if (losses.length > window) {
      const before = losses[losses.length - 1 - window];
      if ((before - f) / Math.max(Math.abs(before), Math.abs(f), 1) < tolerance) {
        stopReason = 'loss-change';
      }
    }
  }
  return {
    x,
    loss: f,
    iterations,
    evaluations,
    stopReason,
    converged: stopReason !== 'max-iterations',
  };
}
