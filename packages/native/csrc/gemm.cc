// Blocked matrix product in the layout of BLIS / GotoBLAS: operands are packed into panels that
// fit the caches, and a register-blocked micro-kernel computes an MR x NR tile of C at a time.
// The micro-kernel is chosen at run time from what the CPU supports (AVX-512, AVX2 + FMA, or
// portable C++ the compiler vectorizes), so one build runs on any x86-64 or ARM machine.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SELFSUP_X86 1
#include <immintrin.h>
#else
#define SELFSUP_X86 0
#endif

namespace selfsup {
namespace {

// A micro-kernel: tile (mr x nr valid of MR x NR) of C = / += packed A panel x packed B panel.
using MicroKernel = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                             bool overwrite, int mr, int nr);

struct Isa {
  const char* name;
  int mr;
  int nr;
  MicroKernel kernel;
};

// Writes a full-register tile held in `acc` (MR x NR, row-major) into C.
inline void store_tile(const float* acc, int acc_ld, float* c, int64_t ldc, bool overwrite, int mr,
                       int nr) {
  for (int r = 0; r < mr; r++) {
    float* row = c + r * ldc;
    const float* src = acc + r * acc_ld;
    if (overwrite)
      for (int j = 0; j < nr; j++) row[j] = src[j];
    else
      for (int j = 0; j < nr; j++) row[j] += src[j];
  }
}

constexpr int kGenericMr = 4;
constexpr int kGenericNr = 16;

void kernel_generic(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                    bool overwrite, int mr, int nr) {
  float acc[kGenericMr][kGenericNr] = {};
  for (int64_t p = 0; p < kc; p++) {
    const float* a = ap + p * kGenericMr;
    const float* b = bp + p * kGenericNr;
    for (int r = 0; r < kGenericMr; r++)
      for (int j = 0; j < kGenericNr; j++) acc[r][j] += a[r] * b[j];
  }
  store_tile(&acc[0][0], kGenericNr, c, ldc, overwrite, mr, nr);
}

#if SELFSUP_X86
constexpr int kAvx2Mr = 6;
constexpr int kAvx2Nr = 16;

__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* ap, const float* bp,
                                                     float* c, int64_t ldc, bool overwrite, int mr,
                                                     int nr) {
  __m256 acc[kAvx2Mr][2];
#pragma GCC unroll 6
  for (int r = 0; r < kAvx2Mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 6
    for (int r = 0; r < kAvx2Mr; r++) {
      const __m256 a = _mm256_broadcast_ss(ap + r);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
    ap += kAvx2Mr;
    bp += kAvx2Nr;
  }
  if (mr == kAvx2Mr && nr == kAvx2Nr) {
#pragma GCC unroll 6
    for (int r = 0; r < kAvx2Mr; r++) {
      float* row = c + r * ldc;
      if (overwrite) {
        _mm256_storeu_ps(row, acc[r][0]);
        _mm256_storeu_ps(row + 8, acc[r][1]);
      } else {
        _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]));
        _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]));
      }
    }
    return;
  }
  alignas(32) float tile[kAvx2Mr][kAvx2Nr];
  for (int r = 0; r < kAvx2Mr; r++) {
    _mm256_store_ps(tile[r], acc[r][0]);
    _mm256_store_ps(tile[r] + 8, acc[r][1]);
  }
  store_tile(&tile[0][0], kAvx2Nr, c, ldc, overwrite, mr, nr);
}

constexpr int kAvx512Mr = 12;
constexpr int kAvx512Nr = 32;

__attribute__((target("avx512f"))) void kernel_avx512(int64_t kc, const float* ap,
                                                      const float* bp, float* c, int64_t ldc,
                                                      bool overwrite, int mr, int nr) {
  __m512 acc[kAvx512Mr][2];
#pragma GCC unroll 12
  for (int r = 0; r < kAvx512Mr; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 12
    for (int r = 0; r < kAvx512Mr; r++) {
      const __m512 a = _mm512_set1_ps(ap[r]);
      acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
    }
    ap += kAvx512Mr;
    bp += kAvx512Nr;
  }
  // Columns past nr are masked off; rows past mr are skipped.
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
#pragma GCC unroll 12
  for (int r = 0; r < kAvx512Mr; r++) {
    if (r >= mr) break;
    float* row = c + r * ldc;
    if (overwrite) {
      _mm512_mask_storeu_ps(row, m0, acc[r][0]);
      _mm512_mask_storeu_ps(row + 16, m1, acc[r][1]);
    } else {
      _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), acc[r][0]));
      _mm512_mask_storeu_ps(row + 16, m1,
                            _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), acc[r][1]));
    }
  }
}
#endif

Isa detect_isa() {
#if SELFSUP_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {"avx512", kAvx512Mr, kAvx512Nr, kernel_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {"avx2", kAvx2Mr, kAvx2Nr, kernel_avx2};
#endif
  return {"generic", kGenericMr, kGenericNr, kernel_generic};
}

const Isa& isa() {
  static const Isa chosen = [] {
    // SELFSUP_NATIVE_ISA=avx2|generic forces a smaller kernel (tests compare them).
    Isa best = detect_isa();
    const char* forced = std::getenv("SELFSUP_NATIVE_ISA");
    if (forced == nullptr) return best;
#if SELFSUP_X86
    if (std::strcmp(forced, "avx2") == 0 && std::strcmp(best.name, "generic") != 0)
      return Isa{"avx2", kAvx2Mr, kAvx2Nr, kernel_avx2};
#endif
    if (std::strcmp(forced, "generic") == 0)
      return Isa{"generic", kGenericMr, kGenericNr, kernel_generic};
    return best;
  }();
  return chosen;
}

// Cache blocking: a KC x NR panel of B stays in L1 while MC x KC of A streams from L2.
constexpr int64_t kKc = 256;
constexpr int64_t kNc = 1024;
constexpr int kMcPanels = 16;

constexpr int kMaxMr = 16;

// Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) as MR-row panels, zero-padded.
void pack_a(bool trans, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0,
            int64_t kc, int mr, float* dst) {
  for (int64_t ir = 0; ir < mc; ir += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, mc - ir));
    float* panel = dst + ir * kc;
    if (trans) {
      for (int64_t p = 0; p < kc; p++) {
        const float* src = a + (p0 + p) * lda + i0 + ir;
        float* out = panel + p * mr;
        for (int r = 0; r < rows; r++) out[r] = src[r];
        for (int r = rows; r < mr; r++) out[r] = 0.f;
      }
    } else {
      // Reads `rows` streams and writes contiguously: faster than writing with stride mr.
      const float* src[kMaxMr];
      for (int r = 0; r < rows; r++) src[r] = a + (i0 + ir + r) * lda + p0;
      if (rows == mr) {
        for (int64_t p = 0; p < kc; p++) {
          float* out = panel + p * mr;
          for (int r = 0; r < mr; r++) out[r] = src[r][p];
        }
      } else {
        for (int64_t p = 0; p < kc; p++) {
          float* out = panel + p * mr;
          for (int r = 0; r < rows; r++) out[r] = src[r][p];
          for (int r = rows; r < mr; r++) out[r] = 0.f;
        }
      }
    }
  }
}

// Packs depth [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) as NR-column panels, zero-padded.
void pack_b(bool trans, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0,
            int64_t nc, int nr, float* dst) {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int cols = static_cast<int>(std::min<int64_t>(nr, nc - jr));
    float* panel = dst + jr * kc;
    if (!trans) {
      for (int64_t p = 0; p < kc; p++) {
        const float* src = b + (p0 + p) * ldb + j0 + jr;
        float* out = panel + p * nr;
        std::memcpy(out, src, sizeof(float) * cols);
        for (int j = cols; j < nr; j++) out[j] = 0.f;
      }
    } else {
      for (int j = 0; j < cols; j++) {
        const float* src = b + (j0 + jr + j) * ldb + p0;
        for (int64_t p = 0; p < kc; p++) panel[p * nr + j] = src[p];
      }
      for (int j = cols; j < nr; j++)
        for (int64_t p = 0; p < kc; p++) panel[p * nr + j] = 0.f;
    }
  }
}

// Per-thread packing buffers, grown on demand and kept (aligned for the vector loads).
struct PackBuffer {
  std::unique_ptr<float[]> storage;
  size_t capacity = 0;
  float* get(size_t floats) {
    if (floats + 16 > capacity) {
      capacity = floats + 16;
      storage.reset(new float[capacity]);
    }
    auto addr = reinterpret_cast<uintptr_t>(storage.get());
    return reinterpret_cast<float*>((addr + 63) & ~uintptr_t(63));
  }
};

}  // namespace

const char* gemm_isa() { return isa().name; }

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
          int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; i++) std::memset(c + i * ldc, 0, sizeof(float) * n);
    return;
  }
  const Isa& cpu = isa();
  const int mr = cpu.mr;
  const int nr = cpu.nr;
  const int64_t mc_max = static_cast<int64_t>(mr) * kMcPanels;
  thread_local PackBuffer a_buffer;
  thread_local PackBuffer b_buffer;
  const int64_t kc_max = std::min(kKc, k);
  const int64_t nc_max = std::min(kNc, (n + nr - 1) / nr * nr);
  float* bp = b_buffer.get(static_cast<size_t>(kc_max * nc_max));
  float* ap = a_buffer.get(static_cast<size_t>(kc_max * std::min(mc_max, (m + mr - 1) / mr * mr)));
  for (int64_t j0 = 0; j0 < n; j0 += kNc) {
    const int64_t nc = std::min(kNc, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kKc) {
      const int64_t kc = std::min(kKc, k - p0);
      const bool overwrite = p0 == 0 && !accumulate;
      pack_b(trans_b, b, ldb, p0, kc, j0, nc, nr, bp);
      for (int64_t i0 = 0; i0 < m; i0 += mc_max) {
        const int64_t mc = std::min(mc_max, m - i0);
        pack_a(trans_a, a, lda, i0, mc, p0, kc, mr, ap);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int cols = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int rows = static_cast<int>(std::min<int64_t>(mr, mc - ir));
            cpu.kernel(kc, ap + ir * kc, bp + jr * kc, c + (i0 + ir) * ldc + j0 + jr, ldc,
                       overwrite, rows, cols);
          }
        }
      }
    }
  }
}

}  // namespace selfsup
