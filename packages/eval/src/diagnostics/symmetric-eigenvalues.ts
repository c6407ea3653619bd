/**
 * Eigenvalues of a real symmetric `n x n` matrix (row-major; only symmetry is assumed, not
 * definiteness), in descending order. tfjs has no SVD or eigen-solver, so this is plain JS in
 * float64: Householder reduction to tridiagonal form followed by the implicit-shift QL algorithm
 * (EISPACK `tred2` / `tql2`, as in JAMA, without eigenvectors), `4/3 n^3` flops: well under a
 * second for n = 512, where cyclic Jacobi needs several sweeps of `~4 n^3` each.
 *
 * @example
 * ```ts
 * symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2); // Float64Array [3, 1]
 * ```
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n) {
    throw new Error(
      `symmetricEigenvalues: expected ${n} x ${n} = ${n * n} values, got ${matrix.length}`,
    );
  }
  if (n === 0) return new Float64Array(0);
  const V = Float64Array.from(matrix);
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(V[i]))
      throw new Error(`symmetricEigenvalues: non-finite entry ${V[i]} at ${i}`);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(V, d, e, n);
  tridiagonalQl(d, e, n);
  return d.sort().reverse();
}

/** Householder reduction (tred2): on return `d` is the diagonal, `e[1..n-1]` the subdiagonal. */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    // Scale to avoid under/overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      // Householder vector.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // Similarity transformation of the remaining columns.
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // tred2 would now accumulate the orthogonal transformation; without eigenvectors only the
  // diagonal of the tridiagonal matrix is needed, and it sits on V's diagonal.
  for (let j = 0; j < n; j++) d[j] = V[j * n + j];
  e[0] = 0;
}

/** Implicit QL on a symmetric tridiagonal matrix (tql2 without eigenvectors); `d` gets the eigenvalues. */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) throw new Error('symmetricEigenvalues: QL iteration did not converge');
        // Implicit shift.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // QL sweep.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
