// Single-precision matrix products on row-major matrices, the core of every kernel here.
#pragma once

#include <cstdint>

namespace selfsup {

// Which micro-kernel the CPU runs: "avx512", "avx2" or "generic".
const char* gemm_isa();

// C[m x n] = op(A) op(B), or C += op(A) op(B) when `accumulate`.
// op(A) is A [m x k] (row stride lda), or with trans_a A [k x m] read transposed; likewise B.
// Runs on the calling thread only; callers parallelize over independent products.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
          int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate);

}  // namespace selfsup
