#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gemm.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SELFSUP_ELEMENTWISE_X86 1
#else
#define SELFSUP_ELEMENTWISE_X86 0
#endif

// Forced inlining, so that the helpers below are compiled into each ISA-specific loop (a call to
// the portable out-of-line copy would keep the loop scalar).
#if defined(__GNUC__) || defined(__clang__)
#define SELFSUP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SELFSUP_ALWAYS_INLINE inline
#endif

namespace selfsup {
namespace {

// exp in float precision without a libm call, so that loops over it vectorize (Cephes' expf:
// x = n ln2 + r with |r| <= ln2 / 2, a degree-6 polynomial for e^r, 2^n built from its bits;
// relative error ~2e-7). Rounding to the nearest n uses the 1.5 * 2^23 trick, exact in float.
// Vectorizes only with -fno-trapping-math (binding.gyp): otherwise GCC keeps the float
// comparisons below as branches. 2^n is applied as two factors, so that results near overflow
// and denormal results come out right; beyond the float range: +inf and 0. NaN stays NaN.
SELFSUP_ALWAYS_INLINE float fast_exp(float in) {
  float x = in > 88.72283935546875f ? 88.72283935546875f : in;
  x = x < -103.972076f ? -103.972076f : x;
  const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  const float er = p * r * r + r + 1.f;
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t half = ni >> 1;
  const int32_t bits1 = (half + 127) << 23;
  const int32_t bits2 = (ni - half + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &bits1, sizeof s1);
  std::memcpy(&s2, &bits2, sizeof s2);
  const float y = er * s1 * s2;
  const float big = in > 88.72283935546875f ? __builtin_inff() : y;
  return in < -103.972076f ? 0.f : big;
}

// erf in float precision, branch-free so that it vectorizes: a Maclaurin series near 0, where an
// absolute error would be a large relative one, and Abramowitz & Stegun 7.1.26 elsewhere
// (absolute error below 1.5e-7; tfjs's cpu backend uses the same formula).
// exp_neg_z must be fast_exp(-x * x): GELU's gradient needs that exponential as well, and passes
// it in rather than computing it twice.
SELFSUP_ALWAYS_INLINE float erf_given_exp(float x, float exp_neg_z) {
  const float a = std::fabs(x);
  const float z = x * x;
  // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320); error < 1e-9 below 0.5.
  const float series =
      1.1283791670955126f * a *
      (1.f + z * (-1.f / 3 + z * (1.f / 10 + z * (-1.f / 42 + z * (1.f / 216 + z * (-1.f / 1320))))));
  const float t = 1.f / (1.f + 0.3275911f * a);
  const float poly =
      t * (0.254829592f +
           t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  const float tail = 1.f - poly * exp_neg_z;
  const float r = a < 0.5f ? series : tail;
  return x < 0.f ? -r : r;
}

SELFSUP_ALWAYS_INLINE float fast_erf(float x) { return erf_given_exp(x, fast_exp(-(x * x))); }

// body(first, end) over [0, n) split over the pool: one task below ~32k elements (waking the
// pool costs more), else one contiguous part per thread.
template <typename F>
void split_elements(ThreadPool& pool, int64_t n, F&& body) {
  const int tasks = n < (int64_t(1) << 15) ? 1 : pool.size();
  const int64_t per = (n + tasks - 1) / tasks;
  pool.parallel_for(tasks, [&](int t) {
    const int64_t first = std::min(n, t * per);
    body(first, std::min(n, first + per));
  });
}

}  // namespace

void unary(ThreadPool& pool, UnaryOp op, const float* x, float* y, int64_t n) {
  // Below ~32k elements one thread is faster than waking the pool.
  const int tasks = n < (int64_t(1) << 15) ? 1 : pool.size();
  const int64_t per = (n + tasks - 1) / tasks;
  pool.parallel_for(tasks, [&](int t) {
    const int64_t first = std::min(n, t * per);
    const int64_t end = std::min(n, first + per);
    switch (op) {
      case UnaryOp::kExp:
        for (int64_t i = first; i < end; i++) y[i] = fast_exp(x[i]);
        break;
      case UnaryOp::kErf:
        for (int64_t i = first; i < end; i++) y[i] = fast_erf(x[i]);
        break;
      case UnaryOp::kRelu:
        for (int64_t i = first; i < end; i++) y[i] = x[i] < 0.f ? 0.f : x[i];
        break;
    }
  });
}

namespace {

SELFSUP_ALWAYS_INLINE void gelu_forward_loop(const float* x, float* y, int64_t first, int64_t end) {
  for (int64_t i = first; i < end; i++) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.f + fast_erf(v * 0.70710678118654752f));
  }
}

SELFSUP_ALWAYS_INLINE void gelu_backward_loop(const float* x, const float* dy, float* dx,
                                              int64_t first, int64_t end) {
  for (int64_t i = first; i < end; i++) {
    const float v = x[i];
    const float u = v * 0.70710678118654752f;
    const float e = fast_exp(-(u * u));  // exp(-x^2 / 2), shared by erf and the density
    const float cdf = 0.5f * (1.f + erf_given_exp(u, e));
    dx[i] = dy[i] * (cdf + v * e * 0.39894228040143268f);  // 1 / sqrt(2 pi)
  }
}

// The GELU loops compiled for each ISA. The portable build targets SSE2, where the selects and
// conversions of exp and erf cost 3-5x what they cost with AVX2 (measured on [8, 3199, 128], one
// thread, forward: ~15 ms portable, ~4.2 with AVX2 + FMA, ~3.3 with AVX-512).
using GeluForwardLoop = void (*)(const float*, float*, int64_t, int64_t);
using GeluBackwardLoop = void (*)(const float*, const float*, float*, int64_t, int64_t);

void gelu_forward_generic(const float* x, float* y, int64_t first, int64_t end) {
  gelu_forward_loop(x, y, first, end);
}
void gelu_backward_generic(const float* x, const float* dy, float* dx, int64_t first,
                           int64_t end) {
  gelu_backward_loop(x, dy, dx, first, end);
}
#if SELFSUP_ELEMENTWISE_X86
__attribute__((target("avx2,fma"))) void gelu_forward_avx2(const float* x, float* y,
                                                           int64_t first, int64_t end) {
  gelu_forward_loop(x, y, first, end);
}
__attribute__((target("avx2,fma"))) void gelu_backward_avx2(const float* x, const float* dy,
                                                            float* dx, int64_t first,
                                                            int64_t end) {
  gelu_backward_loop(x, dy, dx, first, end);
}
__attribute__((target("avx512f"))) void gelu_forward_avx512(const float* x, float* y,
                                                           int64_t first, int64_t end) {
  gelu_forward_loop(x, y, first, end);
}
__attribute__((target("avx512f"))) void gelu_backward_avx512(const float* x, const float* dy,
                                                            float* dx, int64_t first,
                                                            int64_t end) {
  gelu_backward_loop(x, dy, dx, first, end);
}
#endif

struct GeluLoops {
  GeluForwardLoop forward;
  GeluBackwardLoop backward;
};

// The loops matching the GEMM's choice of micro-kernel (so SELFSUP_NATIVE_ISA forces both).
const GeluLoops& gelu_loops() {
  static const GeluLoops chosen = [] {
    const char* name = gemm_isa();
#if SELFSUP_ELEMENTWISE_X86
    if (std::strcmp(name, "avx512") == 0)
      return GeluLoops{gelu_forward_avx512, gelu_backward_avx512};
    if (std::strcmp(name, "avx2") == 0) return GeluLoops{gelu_forward_avx2, gelu_backward_avx2};
#endif
    (void)name;
    return GeluLoops{gelu_forward_generic, gelu_backward_generic};
  }();
  return chosen;
}

}  // namespace

void gelu_forward(ThreadPool& pool, const float* x, float* y, int64_t n) {
  const GeluForwardLoop loop = gelu_loops().forward;
  split_elements(pool, n, [&](int64_t first, int64_t end) { loop(x, y, first, end); });
}

void gelu_backward(ThreadPool& pool, const float* x, const float* dy, float* dx, int64_t n) {
  const GeluBackwardLoop loop = gelu_loops().backward;
  split_elements(pool, n, [&](int64_t first, int64_t end) { loop(x, dy, dx, first, end); });
}

namespace {

// Sums rows [r0, r1) of one [rows, inner] slab into acc (double, length inner), in double
// throughout: float partial sums lost ~2e-7 relative on a 200k-row mean.
void sum_rows_into(const float* slab, int64_t r0, int64_t r1, int64_t inner, double* acc) {
  if (inner == 1) {
    // Four independent chains: the adds need not wait for each other.
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) {
      s0 += slab[r];
      s1 += slab[r + 1];
      s2 += slab[r + 2];
      s3 += slab[r + 3];
    }
    for (; r < r1; r++) s0 += slab[r];
    acc[0] += (s0 + s1) + (s2 + s3);
    return;
  }
  for (int64_t r = r0; r < r1; r++) {
    const float* row = slab + r * inner;
    for (int64_t c = 0; c < inner; c++) acc[c] += row[c];
  }
}

}  // namespace

void reduce_sum(ThreadPool& pool, const float* x, int64_t outer, int64_t rows, int64_t inner,
                float scale, float* out) {
  const int threads = outer * rows * inner < (int64_t(1) << 15) ? 1 : pool.size();
  if (outer >= threads) {
    // Each task sums whole slabs.
    const int64_t per = (outer + threads - 1) / threads;
    pool.parallel_for(threads, [&](int t) {
      std::vector<double> acc(inner);
      for (int64_t p = t * per; p < std::min(outer, (t + 1) * per); p++) {
        std::fill(acc.begin(), acc.end(), 0.0);
        sum_rows_into(x + p * rows * inner, 0, rows, inner, acc.data());
        for (int64_t c = 0; c < inner; c++) out[p * inner + c] = static_cast<float>(acc[c] * scale);
      }
    });
    return;
  }
  // Few slabs: each task takes a range of rows of every slab; partial sums are added after.
  const int64_t per = (rows + threads - 1) / threads;
  std::vector<double> partial(static_cast<size_t>(threads) * outer * inner, 0.0);
  pool.parallel_for(threads, [&](int t) {
    const int64_t r0 = std::min(rows, t * per);
    const int64_t r1 = std::min(rows, r0 + per);
    for (int64_t p = 0; p < outer; p++) {
      double* acc = partial.data() + (static_cast<size_t>(t) * outer + p) * inner;
      sum_rows_into(x + p * rows * inner, r0, r1, inner, acc);
    }
  });
  for (int64_t i = 0; i < outer * inner; i++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[static_cast<size_t>(t) * outer * inner + i];
    out[i] = static_cast<float>(s * scale);
  }
}

namespace {

inline int64_t operand_index(Broadcast mode, int64_t o, int64_t inner) {
  switch (mode) {
    case Broadcast::kFull:
      return o * inner;
    case Broadcast::kColumn:
      return o;
    default:
      return 0;
  }
}

// One output row: out[i] = a[i or 0] op b[i or 0]; the four stride cases are separate loops so
// that each vectorizes.
template <BinaryOp op>
inline float apply(float x, float y) {
  if (op == BinaryOp::kAdd) return x + y;
  if (op == BinaryOp::kSub) return x - y;
  if (op == BinaryOp::kReluGrad) return y > 0.f ? x : (y == y ? 0.f : y);
  return x * y;
}

template <BinaryOp op>
void binary_row(const float* a, bool a_step, const float* b, bool b_step, int64_t n, float* out) {
  if (a_step && b_step) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], b[i]);
  } else if (a_step) {
    const float y = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], y);
  } else if (b_step) {
    const float x = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(x, b[i]);
  } else {
    const float v = apply<op>(a[0], b[0]);
    for (int64_t i = 0; i < n; i++) out[i] = v;
  }
}

template <BinaryOp op>
void binary_typed(ThreadPool& pool, const float* a, Broadcast a_mode, const float* b,
                  Broadcast b_mode, int64_t outer, int64_t inner, float* out) {
  const bool a_step = a_mode == Broadcast::kFull || a_mode == Broadcast::kRow;
  const bool b_step = b_mode == Broadcast::kFull || b_mode == Broadcast::kRow;
  // Rows are independent; a task takes a range of them (rows of one element are merged by the
  // caller's choice of view, so a range is never tiny).
  const int tasks = outer * inner < (int64_t(1) << 15) ? 1 : pool.size();
  const int64_t per = (outer + tasks - 1) / tasks;
  pool.parallel_for(tasks, [&](int t) {
    for (int64_t o = std::min(outer, t * per); o < std::min(outer, (t + 1) * per); o++) {
      binary_row<op>(a + operand_index(a_mode, o, inner), a_step, b + operand_index(b_mode, o, inner),
                     b_step, inner, out + o * inner);
    }
  });
}

}  // namespace

void binary(ThreadPool& pool, BinaryOp op, const float* a, Broadcast a_mode, const float* b,
            Broadcast b_mode, int64_t outer, int64_t inner, float* out) {
  switch (op) {
    case BinaryOp::kAdd:
      binary_typed<BinaryOp::kAdd>(pool, a, a_mode, b, b_mode, outer, inner, out);
      break;
    case BinaryOp::kSub:
      binary_typed<BinaryOp::kSub>(pool, a, a_mode, b, b_mode, outer, inner, out);
      break;
    case BinaryOp::kMul:
      binary_typed<BinaryOp::kMul>(pool, a, a_mode, b, b_mode, outer, inner, out);
      break;
    case BinaryOp::kReluGrad:
      binary_typed<BinaryOp::kReluGrad>(pool, a, a_mode, b, b_mode, outer, inner, out);
      break;
  }
}

namespace {
// Whether v replaces the running maximum m: larger, or NaN (NaN wins, as in tfjs's cpu kernel).
inline bool take(float v, float m) { return v > m || v != v; }
}  // namespace

void reduce_max(ThreadPool& pool, const float* x, int64_t outer, int64_t rows, int64_t inner,
                float* out) {
  const int threads = outer * rows * inner < (int64_t(1) << 15) ? 1 : pool.size();
  // Rows of one slab are read by one task: split slabs if there are enough, else columns.
  const bool by_slab = outer >= threads || inner < threads;
  const int64_t units = by_slab ? outer : inner;
  const int64_t per = (units + threads - 1) / threads;
  pool.parallel_for(threads, [&](int t) {
    const int64_t u0 = std::min(units, t * per);
    const int64_t u1 = std::min(units, u0 + per);
    const int64_t p0 = by_slab ? u0 : 0, p1 = by_slab ? u1 : outer;
    const int64_t c0 = by_slab ? 0 : u0, c1 = by_slab ? inner : u1;
    for (int64_t p = p0; p < p1; p++) {
      const float* slab = x + p * rows * inner;
      float* o = out + p * inner;
      if (inner == 1) {
        // Eight independent maxima, so that the loop vectorizes; merged at the end.
        float lane[8];
        for (float& l : lane) l = slab[0];
        int64_t r = 1;
        for (; r + 8 <= rows; r += 8)
          for (int j = 0; j < 8; j++) lane[j] = take(slab[r + j], lane[j]) ? slab[r + j] : lane[j];
        for (; r < rows; r++) lane[0] = take(slab[r], lane[0]) ? slab[r] : lane[0];
        float m = lane[0];
        for (int j = 1; j < 8; j++) m = take(lane[j], m) ? lane[j] : m;
        o[0] = m;
        continue;
      }
      for (int64_t c = c0; c < c1; c++) o[c] = slab[c];
      for (int64_t r = 1; r < rows; r++) {
        const float* row = slab + r * inner;
        for (int64_t c = c0; c < c1; c++) o[c] = take(row[c], o[c]) ? row[c] : o[c];
      }
    }
  });
}

}  // namespace selfsup
