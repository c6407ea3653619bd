// Convolutions (channels last), forward and both gradients, computed without patch matrices
// where the shapes allow ("indirect" convolution, as XNNPACK's): a register-blocked micro-kernel
// reads the input pixels through a table of row pointers, one per output pixel and filter tap,
// with taps falling in the zero padding pointing at a zero row. This skips the im2col copy and
// the GEMM's packing of it, which dominated for the narrow channel counts of small CNNs (32-64
// channels: ~30% of peak as im2col + GEMM). The filter gradient likewise reads x through per-pixel
// pointers and sums over the pixels of a chunk. Other cases (1x1 stride-1 convolutions, which are
// plain products, and filter gradients with fewer input channels than a micro-tile's rows) go
// through im2col and the GEMM, in chunks of output rows so that the patch matrix stays small (a
// few MB, in cache) whatever the batch.
#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include "gemm.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SELFSUP_CONV_X86 1
#include <immintrin.h>
#else
#define SELFSUP_CONV_X86 0
#endif

namespace selfsup {
namespace {

// Products smaller than this (multiply-adds) are not worth waking the pool.
constexpr int64_t kParallelMinMacs = int64_t(1) << 18;
// Target size of one chunk's patch matrix, in floats (4 MB).
constexpr int64_t kChunkFloats = int64_t(1) << 20;
// Row/column granularity of a parallel split: a multiple of every micro-kernel's MR and NR.
constexpr int64_t kSplitQuantum = 96;

struct Scratch {
  std::unique_ptr<float[]> data;
  size_t size = 0;
  float* get(size_t floats) {
    if (floats > size) {
      data.reset(new float[floats]);
      size = floats;
    }
    return data.get();
  }
};

bool is_pointwise(const ConvGeometry& g) {
  return g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.top == 0 &&
         g.left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

// Rows [row0, row0 + rows) of the patch matrix [batch * out_h * out_w, k_h * k_w * in_c].
void im2col(const ConvGeometry& g, const float* x, int64_t row0, int64_t rows, float* cols) {
  const int64_t c = g.in_c;
  const int64_t per_image = g.out_h * g.out_w;
  float* dst = cols;
  for (int64_t r = row0; r < row0 + rows; r++) {
    const int64_t b = r / per_image;
    const int64_t oh = (r % per_image) / g.out_w;
    const int64_t ow = r % g.out_w;
    for (int64_t kh = 0; kh < g.k_h; kh++) {
      const int64_t ih = oh * g.stride_h - g.top + kh * g.dilation_h;
      for (int64_t kw = 0; kw < g.k_w; kw++) {
        const int64_t iw = ow * g.stride_w - g.left + kw * g.dilation_w;
        if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) {
          std::memset(dst, 0, sizeof(float) * c);
        } else {
          std::memcpy(dst, x + ((b * g.in_h + ih) * g.in_w + iw) * c, sizeof(float) * c);
        }
        dst += c;
      }
    }
  }
}

// dx += the patches of rows [row0, row0 + rows) scattered back to their pixels.
void col2im_add(const ConvGeometry& g, const float* cols, int64_t row0, int64_t rows, float* dx) {
  const int64_t c = g.in_c;
  const int64_t per_image = g.out_h * g.out_w;
  const float* src = cols;
  for (int64_t r = row0; r < row0 + rows; r++) {
    const int64_t b = r / per_image;
    const int64_t oh = (r % per_image) / g.out_w;
    const int64_t ow = r % g.out_w;
    for (int64_t kh = 0; kh < g.k_h; kh++) {
      const int64_t ih = oh * g.stride_h - g.top + kh * g.dilation_h;
      for (int64_t kw = 0; kw < g.k_w; kw++) {
        const int64_t iw = ow * g.stride_w - g.left + kw * g.dilation_w;
        if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w) {
          float* d = dx + ((b * g.in_h + ih) * g.in_w + iw) * c;
          for (int64_t i = 0; i < c; i++) d[i] += src[i];
        }
        src += c;
      }
    }
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

void gemm_parallel(ThreadPool& pool, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                   int64_t ldc, bool accumulate) {
  const int threads = pool.size();
  if (threads == 1 || m * n * k < kParallelMinMacs) {
    gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  // Several parts per thread (the pool hands them out as threads free up), so that a thread
  // getting less of the CPU (another process, V8's garbage collector) does not hold up the rest.
  const int parts_wanted = threads * 4;
  if (m >= n) {
    const int64_t step = ceil_div(ceil_div(m, parts_wanted), kSplitQuantum) * kSplitQuantum;
    const int parts = static_cast<int>(ceil_div(m, step));
    pool.parallel_for(parts, [&](int t) {
      const int64_t i0 = t * step;
      const int64_t rows = std::min(step, m - i0);
      gemm(trans_a, trans_b, rows, n, k, trans_a ? a + i0 : a + i0 * lda, lda, b, ldb,
           c + i0 * ldc, ldc, accumulate);
    });
  } else {
    const int64_t step = ceil_div(ceil_div(n, parts_wanted), kSplitQuantum) * kSplitQuantum;
    const int parts = static_cast<int>(ceil_div(n, step));
    pool.parallel_for(parts, [&](int t) {
      const int64_t j0 = t * step;
      const int64_t cols = std::min(step, n - j0);
      gemm(trans_a, trans_b, m, cols, k, a, lda, trans_b ? b + j0 * ldb : b + j0, ldb, c + j0,
           ldc, accumulate);
    });
  }
}

namespace {

void conv2d_backprop_input_im2col(ThreadPool& pool, const ConvGeometry& g, const float* dy,
                                  const float* filter, float* dx) {
  const int64_t k = g.k_h * g.k_w * g.in_c;
  // dcols = dy [rows, out_c] x filter^T, the filter being [k, out_c] row-major.
  if (is_pointwise(g)) {
    const int64_t rows = g.batch * g.out_h * g.out_w;
    gemm_parallel(pool, false, true, rows, g.in_c, g.out_c, dy, g.out_c, filter, g.out_c, dx,
                  g.in_c, false);
    return;
  }
  std::memset(dx, 0, sizeof(float) * g.batch * g.in_h * g.in_w * g.in_c);
  // Patches of one image overlap in dx, so every task owns whole images.
  const int64_t per_image = g.out_h * g.out_w;
  const int threads = pool.size();
  const int tasks = static_cast<int>(std::min<int64_t>(g.batch, threads));
  const int64_t images_per_task = ceil_div(g.batch, tasks);
  const int64_t step = std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, k));
  pool.parallel_for(static_cast<int>(ceil_div(g.batch, images_per_task)), [&](int t) {
    thread_local Scratch scratch;
    const int64_t first = t * images_per_task * per_image;
    const int64_t end = std::min(g.batch, (t + 1) * images_per_task) * per_image;
    for (int64_t r0 = first; r0 < end; r0 += step) {
      const int64_t n = std::min(step, end - r0);
      float* cols = scratch.get(static_cast<size_t>(n * k));
      if (tasks == 1) {
        gemm_parallel(pool, false, true, n, k, g.out_c, dy + r0 * g.out_c, g.out_c, filter,
                      g.out_c, cols, k, false);
      } else {
        gemm(false, true, n, k, g.out_c, dy + r0 * g.out_c, g.out_c, filter, g.out_c, cols, k,
             false);
      }
      col2im_add(g, cols, r0, n, dx);
    }
  });
}

void conv2d_backprop_filter_im2col(ThreadPool& pool, const ConvGeometry& g, const float* x,
                                   const float* dy, float* dfilter) {
  const int64_t rows = g.batch * g.out_h * g.out_w;
  const int64_t k = g.k_h * g.k_w * g.in_c;
  if (is_pointwise(g)) {
    gemm_parallel(pool, true, false, k, g.out_c, rows, x, k, dy, g.out_c, dfilter, g.out_c, false);
    return;
  }
  // Each thread sums the chunks it takes (one at a time, so that a thread getting less of the
  // CPU takes fewer) into its own partial gradient; the partials are added.
  const int64_t step = std::max<int64_t>(
      1, std::min(kChunkFloats / std::max<int64_t>(1, k), ceil_div(rows, pool.size() * 4)));
  const int64_t chunks = ceil_div(rows, step);
  const int tasks = static_cast<int>(std::min<int64_t>(pool.size(), chunks));
  const int64_t size = k * g.out_c;
  std::vector<float> partials(static_cast<size_t>(std::max(0, tasks - 1)) * size);
  std::atomic<int64_t> next_chunk{0};
  pool.parallel_for(tasks, [&](int t) {
    thread_local Scratch scratch;
    float* out = t == 0 ? dfilter : partials.data() + (t - 1) * size;
    std::memset(out, 0, sizeof(float) * size);
    const bool accumulate = true;
    for (int64_t chunk = next_chunk++; chunk < chunks; chunk = next_chunk++) {
      const int64_t r0 = chunk * step;
      const int64_t n = std::min(step, rows - r0);
      float* cols = scratch.get(static_cast<size_t>(n * k));
      im2col(g, x, r0, n, cols);
      gemm(true, false, k, g.out_c, n, cols, k, dy + r0 * g.out_c, g.out_c, out, g.out_c,
           accumulate);
    }
  });
  for (int t = 1; t < tasks; t++) {
    const float* p = partials.data() + (t - 1) * size;
    for (int64_t i = 0; i < size; i++) dfilter[i] += p[i];
  }
}

// ---- Indirect convolution ----

// Forward micro-kernel: rows r < mr, columns j < nr of
//   c[r][j] = sum over taps t < taps and p < depth of a[t * MR + r][p] * b[t][p * NR + j],
// a: MR row pointers per tap (rows past mr point at zeros), b: one packed NR-column panel per tap.
using TapKernel = void (*)(int taps, const float* const* a, const float* const* b, int64_t depth,
                           float* const* c, int mr, int nr);
// Filter-gradient micro-kernel: rows i in [skip, MR), columns j < nr of
//   out[i * ldc + j] += sum over r < pixels of x[r][c0 + i] * dyp[r * NR + j].
using PixelKernel = void (*)(int64_t pixels, const float* const* x, int64_t c0, const float* dyp,
                             float* out, int64_t ldc, int skip, int nr);

struct DirectIsa {
  int mr;
  int nr;
  TapKernel tap;
  PixelKernel pixel;
  // A pixel kernel of 8 rows, for channel counts that are multiples of 8 but not of mr (32, 64:
  // no overlapping last block); null where mr already is 8 or less.
  PixelKernel pixel8 = nullptr;
};

template <int MR, int NR>
void tap_kernel_generic(int taps, const float* const* a, const float* const* b, int64_t depth,
                        float* const* c, int mr, int nr) {
  float acc[MR][NR] = {};
  for (int t = 0; t < taps; t++) {
    const float* const* at = a + t * MR;
    const float* bp = b[t];
    for (int64_t p = 0; p < depth; p++, bp += NR) {
      for (int r = 0; r < MR; r++) {
        const float v = at[r][p];
        for (int j = 0; j < NR; j++) acc[r][j] += v * bp[j];
      }
    }
  }
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) c[r][j] = acc[r][j];
}

template <int MR, int NR>
void pixel_kernel_generic(int64_t pixels, const float* const* x, int64_t c0, const float* dyp,
                          float* out, int64_t ldc, int skip, int nr) {
  float acc[MR][NR] = {};
  for (int64_t r = 0; r < pixels; r++, dyp += NR) {
    const float* xp = x[r] + c0;
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] += xp[i] * dyp[j];
  }
  for (int i = skip; i < MR; i++)
    for (int j = 0; j < nr; j++) out[i * ldc + j] += acc[i][j];
}

#if SELFSUP_CONV_X86
__attribute__((target("avx2,fma"))) void tap_kernel_avx2(int taps, const float* const* a,
                                                         const float* const* b, int64_t depth,
                                                         float* const* c, int mr, int nr) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int t = 0; t < taps; t++) {
    const float* ap[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) ap[r] = a[t * MR + r];
    const float* bp = b[t];
    for (int64_t p = 0; p < depth; p++, bp += 16) {
      const __m256 b0 = _mm256_loadu_ps(bp);
      const __m256 b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 6
      for (int r = 0; r < MR; r++) {
        const __m256 v = _mm256_broadcast_ss(ap[r] + p);
        acc[r][0] = _mm256_fmadd_ps(v, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(v, b1, acc[r][1]);
      }
    }
  }
  alignas(32) float tile[16];
  for (int r = 0; r < mr; r++) {
    if (nr == 16) {
      _mm256_storeu_ps(c[r], acc[r][0]);
      _mm256_storeu_ps(c[r] + 8, acc[r][1]);
    } else {
      _mm256_store_ps(tile, acc[r][0]);
      _mm256_store_ps(tile + 8, acc[r][1]);
      for (int j = 0; j < nr; j++) c[r][j] = tile[j];
    }
  }
}

__attribute__((target("avx2,fma"))) void pixel_kernel_avx2(int64_t pixels, const float* const* x,
                                                           int64_t c0, const float* dyp, float* out,
                                                           int64_t ldc, int skip, int nr) {
  constexpr int MR = 6;
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t r = 0; r < pixels; r++, dyp += 16) {
    const float* xp = x[r] + c0;
    const __m256 b0 = _mm256_loadu_ps(dyp);
    const __m256 b1 = _mm256_loadu_ps(dyp + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      const __m256 v = _mm256_broadcast_ss(xp + i);
      acc[i][0] = _mm256_fmadd_ps(v, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(v, b1, acc[i][1]);
    }
  }
  alignas(32) float tile[16];
  for (int i = skip; i < MR; i++) {
    _mm256_store_ps(tile, acc[i][0]);
    _mm256_store_ps(tile + 8, acc[i][1]);
    float* row = out + i * ldc;
    for (int j = 0; j < nr; j++) row[j] += tile[j];
  }
}

__attribute__((target("avx512f"))) void tap_kernel_avx512(int taps, const float* const* a,
                                                          const float* const* b, int64_t depth,
                                                          float* const* c, int mr, int nr) {
  constexpr int MR = 12;
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int t = 0; t < taps; t++) {
    const float* ap[MR];
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) ap[r] = a[t * MR + r];
    const float* bp = b[t];
    for (int64_t p = 0; p < depth; p++, bp += 32) {
      const __m512 b0 = _mm512_loadu_ps(bp);
      const __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 12
      for (int r = 0; r < MR; r++) {
        const __m512 v = _mm512_set1_ps(ap[r][p]);
        acc[r][0] = _mm512_fmadd_ps(v, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(v, b1, acc[r][1]);
      }
    }
  }
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 =
      nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++) {
    if (r >= mr) break;
    _mm512_mask_storeu_ps(c[r], m0, acc[r][0]);
    _mm512_mask_storeu_ps(c[r] + 16, m1, acc[r][1]);
  }
}

template <int MR>
__attribute__((target("avx512f"))) void pixel_kernel_avx512(int64_t pixels,
                                                            const float* const* x, int64_t c0,
                                                            const float* dyp, float* out,
                                                            int64_t ldc, int skip, int nr) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t r = 0; r < pixels; r++, dyp += 32) {
    const float* xp = x[r] + c0;
    // Opaque to the optimizer, so that the MR loads below use one register plus displacements
    // (otherwise GCC keeps MR offsets in registers and spills).
    __asm__("" : "+r"(xp));
    const __m512 b0 = _mm512_loadu_ps(dyp);
    const __m512 b1 = _mm512_loadu_ps(dyp + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      const __m512 v = _mm512_set1_ps(xp[i]);
      acc[i][0] = _mm512_fmadd_ps(v, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(v, b1, acc[i][1]);
    }
  }
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 =
      nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
  for (int i = skip; i < MR; i++) {
    float* row = out + i * ldc;
    _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), acc[i][0]));
    _mm512_mask_storeu_ps(row + 16, m1,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), acc[i][1]));
  }
}
#endif

// The micro-kernels matching the GEMM's choice (so SELFSUP_NATIVE_ISA forces both).
const DirectIsa& direct_isa() {
  static const DirectIsa chosen = [] {
    const char* name = gemm_isa();
#if SELFSUP_CONV_X86
    if (std::strcmp(name, "avx512") == 0)
      return DirectIsa{12, 32, tap_kernel_avx512, pixel_kernel_avx512<12>,
                       pixel_kernel_avx512<8>};
    if (std::strcmp(name, "avx2") == 0) return DirectIsa{6, 16, tap_kernel_avx2, pixel_kernel_avx2};
#endif
    (void)name;
    return DirectIsa{4, 16, tap_kernel_generic<4, 16>, pixel_kernel_generic<4, 16>};
  }();
  return chosen;
}

// Packs a filter as NR-column panels, one [taps * depth, NR] block per panel (zero-padded
// columns): element (t, p, col) of the source is src[t * tap_stride + p * depth_stride +
// col * col_stride].
std::vector<float> pack_filter(const float* src, int64_t taps, int64_t depth, int64_t cols,
                               int64_t tap_stride, int64_t depth_stride, int64_t col_stride,
                               int nr) {
  const int64_t panels = ceil_div(cols, nr);
  std::vector<float> out(static_cast<size_t>(panels * taps * depth * nr), 0.f);
  float* dst = out.data();
  for (int64_t j = 0; j < panels; j++) {
    const int64_t width = std::min<int64_t>(nr, cols - j * nr);
    for (int64_t t = 0; t < taps; t++) {
      for (int64_t p = 0; p < depth; p++, dst += nr) {
        const float* s = src + t * tap_stride + p * depth_stride + j * nr * col_stride;
        for (int64_t c = 0; c < width; c++) dst[c] = s[c * col_stride];
      }
    }
  }
  return out;
}

// Tiles per parallel task: several tasks per thread, so that uneven tiles balance out.
int64_t tiles_per_task(int64_t tiles, int threads) {
  return std::max<int64_t>(1, tiles / (static_cast<int64_t>(threads) * 8));
}

// Tiles filled and computed together: each filter panel is used by the whole block while in cache.
constexpr int kTileBlock = 16;

// MR output rows for the tap kernel: MR input row pointers per tap that has a valid row (the
// others are dropped), those taps' numbers, and where the rows go.
struct Tile {
  int mr = 0;
  int used = 0;
  std::vector<const float*> a;
  std::vector<int64_t> tap;
  float* c[16];
};

// Computes a block of filled tiles, panel by panel.
void run_tiles(const DirectIsa& isa, Tile* tiles, int count, const float* panels, int64_t taps,
               int64_t depth, int64_t cols, std::vector<const float*>& b) {
  const int NR = isa.nr;
  const int64_t panel_floats = taps * depth * NR;
  b.resize(static_cast<size_t>(taps));
  float* cj[16];
  for (int64_t j = 0; j * NR < cols; j++) {
    const int nr = static_cast<int>(std::min<int64_t>(NR, cols - j * NR));
    const float* panel = panels + j * panel_floats;
    for (int i = 0; i < count; i++) {
      const Tile& tile = tiles[i];
      for (int r = 0; r < tile.mr; r++) cj[r] = tile.c[r] + j * NR;
      if (tile.used == 0) {
        for (int r = 0; r < tile.mr; r++) std::memset(cj[r], 0, sizeof(float) * nr);
        continue;
      }
      for (int u = 0; u < tile.used; u++) b[u] = panel + tile.tap[u] * depth * NR;
      isa.tap(tile.used, tile.a.data(), b.data(), depth, cj, tile.mr, nr);
    }
  }
}

// Runs `fill(tile_index, tile)` and the tap kernel over all tiles, split over the pool.
template <typename Fill>
void run_all_tiles(ThreadPool& pool, const DirectIsa& isa, int64_t tiles, int64_t taps,
                   const float* panels, int64_t depth, int64_t cols, const Fill& fill) {
  const int64_t per_task = tiles_per_task(tiles, pool.size());
  pool.parallel_for(static_cast<int>(ceil_div(tiles, per_task)), [&](int task) {
    Tile block[kTileBlock];
    for (Tile& t : block) {
      t.a.resize(static_cast<size_t>(taps * isa.mr));
      t.tap.resize(static_cast<size_t>(taps));
    }
    std::vector<const float*> b;
    const int64_t end = std::min(tiles, (task + 1) * per_task);
    for (int64_t t0 = task * per_task; t0 < end; t0 += kTileBlock) {
      const int count = static_cast<int>(std::min<int64_t>(kTileBlock, end - t0));
      for (int i = 0; i < count; i++) fill(t0 + i, block[i]);
      run_tiles(isa, block, count, panels, taps, depth, cols, b);
    }
  });
}

void direct_forward(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* filter,
                    float* y) {
  const DirectIsa& isa = direct_isa();
  const int MR = isa.mr;
  const int64_t taps = g.k_h * g.k_w;
  const std::vector<float> panels =
      pack_filter(filter, taps, g.in_c, g.out_c, g.in_c * g.out_c, g.out_c, 1, isa.nr);
  const std::vector<float> zeros(static_cast<size_t>(g.in_c), 0.f);
  const int64_t per_image = g.out_h * g.out_w;
  const int64_t pixels = g.batch * per_image;
  const int64_t image_floats = g.in_h * g.in_w * g.in_c;
  auto fill = [&](int64_t index, Tile& tile) {
    const int64_t p0 = index * MR;
    tile.mr = static_cast<int>(std::min<int64_t>(MR, pixels - p0));
    // The rows' window origins, stepping through the output pixels without divisions.
    int64_t n = p0 / per_image, oh = (p0 % per_image) / g.out_w, ow = p0 % g.out_w;
    int64_t ih0[16], iw0[16];
    const float* base[16];
    for (int r = 0; r < tile.mr; r++) {
      ih0[r] = oh * g.stride_h - g.top;
      iw0[r] = ow * g.stride_w - g.left;
      base[r] = x + n * image_floats;
      tile.c[r] = y + (p0 + r) * g.out_c;
      if (++ow == g.out_w) {
        ow = 0;
        if (++oh == g.out_h) {
          oh = 0;
          n++;
        }
      }
    }
    tile.used = 0;
    for (int64_t kh = 0, t = 0; kh < g.k_h; kh++) {
      for (int64_t kw = 0; kw < g.k_w; kw++, t++) {
        const float** a = tile.a.data() + tile.used * MR;
        bool any = false;
        for (int r = 0; r < MR; r++) {
          const int64_t ih = r < tile.mr ? ih0[r] + kh * g.dilation_h : -1;
          const int64_t iw = r < tile.mr ? iw0[r] + kw * g.dilation_w : -1;
          const bool valid = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
          a[r] = valid ? base[r] + (ih * g.in_w + iw) * g.in_c : zeros.data();
          any |= valid;
        }
        if (any) tile.tap[tile.used++] = t;
      }
    }
  };
  run_all_tiles(pool, isa, ceil_div(pixels, MR), taps, panels.data(), g.in_c, g.out_c, fill);
}

// dx by the same tap kernel: each input pixel sums dy over the output pixels whose windows
// cover it, against the filter transposed per tap. Pixels are tiled by their phase modulo the
// strides, so that a tap is valid for a whole tile or for none of it (none are computed twice).
void direct_backprop_input(ThreadPool& pool, const ConvGeometry& g, const float* dy,
                           const float* filter, float* dx) {
  const DirectIsa& isa = direct_isa();
  const int MR = isa.mr;
  const int64_t taps = g.k_h * g.k_w;
  // Panel element (t, k, c) = filter[t, c, k]: depth k (out channels), columns c.
  const std::vector<float> panels =
      pack_filter(filter, taps, g.out_c, g.in_c, g.in_c * g.out_c, 1, g.out_c, isa.nr);
  const std::vector<float> zeros(static_cast<size_t>(g.out_c), 0.f);
  const int64_t sh = g.stride_h, sw = g.stride_w;
  // Phase classes (ph, pw): pixels ih = ph + sh * i, iw = pw + sw * j.
  struct Phase {
    int64_t ph, pw, rows, cols, first_tile;
  };
  std::vector<Phase> phases;
  int64_t tiles = 0;
  for (int64_t ph = 0; ph < std::min(sh, g.in_h); ph++) {
    for (int64_t pw = 0; pw < std::min(sw, g.in_w); pw++) {
      const Phase f{ph, pw, ceil_div(g.in_h - ph, sh), ceil_div(g.in_w - pw, sw), tiles};
      tiles += ceil_div(g.batch * f.rows * f.cols, MR);
      phases.push_back(f);
    }
  }
  const int64_t out_image = g.out_h * g.out_w * g.out_c;
  auto fill = [&](int64_t index, Tile& tile) {
    size_t f = 0;
    while (f + 1 < phases.size() && phases[f + 1].first_tile <= index) f++;
    const Phase& ph = phases[f];
    const int64_t per_image = ph.rows * ph.cols;
    const int64_t q0 = (index - ph.first_tile) * MR;
    tile.mr = static_cast<int>(std::min<int64_t>(MR, g.batch * per_image - q0));
    int64_t n = q0 / per_image, i = (q0 % per_image) / ph.cols, j = q0 % ph.cols;
    int64_t oi[16], oj[16];
    const float* base[16];
    for (int r = 0; r < tile.mr; r++) {
      oi[r] = i;
      oj[r] = j;
      base[r] = dy + n * out_image;
      tile.c[r] = dx + ((n * g.in_h + ph.ph + sh * i) * g.in_w + ph.pw + sw * j) * g.in_c;
      if (++j == ph.cols) {
        j = 0;
        if (++i == ph.rows) {
          i = 0;
          n++;
        }
      }
    }
    // Tap (kh, kw) reads output row oh = i + (ph + top - kh * dilation) / stride when that
    // division is exact, the same for the whole phase.
    tile.used = 0;
    for (int64_t kh = 0, t = 0; kh < g.k_h; kh++) {
      const int64_t vh = ph.ph + g.top - kh * g.dilation_h;
      for (int64_t kw = 0; kw < g.k_w; kw++, t++) {
        const int64_t vw = ph.pw + g.left - kw * g.dilation_w;
        if (vh % sh != 0 || vw % sw != 0) continue;
        const float** a = tile.a.data() + tile.used * MR;
        bool any = false;
        for (int r = 0; r < MR; r++) {
          const int64_t oh = r < tile.mr ? oi[r] + vh / sh : -1;
          const int64_t ow = r < tile.mr ? oj[r] + vw / sw : -1;
          const bool valid = oh >= 0 && oh < g.out_h && ow >= 0 && ow < g.out_w;
          a[r] = valid ? base[r] + (oh * g.out_w + ow) * g.out_c : zeros.data();
          any |= valid;
        }
        if (any) tile.tap[tile.used++] = t;
      }
    }
  };
  run_all_tiles(pool, isa, tiles, taps, panels.data(), g.out_c, g.in_c, fill);
}

// dfilter[t, c, k] = sum over output pixels of x(pixel, tap t)[c] * dy[pixel, k]: per chunk of
// pixels, dy is packed into NR-column panels once, and each (tap, MR channels, NR columns) block
// is one pixel-kernel call. The last channel block overlaps the one before (C >= MR) and adds
// only its new rows. Threads sum disjoint pixel ranges into their own partial gradients.
void direct_backprop_filter(ThreadPool& pool, const ConvGeometry& g, const float* x,
                            const float* dy, float* dfilter) {
  const DirectIsa& isa = direct_isa();
  const int64_t C = g.in_c, K = g.out_c;
  const bool by8 = isa.pixel8 != nullptr && C % isa.mr != 0 && C % 8 == 0;
  const PixelKernel kernel = by8 ? isa.pixel8 : isa.pixel;
  const int MR = by8 ? 8 : isa.mr, NR = isa.nr;
  const int64_t taps = g.k_h * g.k_w;
  const int64_t panels = ceil_div(K, NR);
  const int64_t per_image = g.out_h * g.out_w;
  const int64_t pixels = g.batch * per_image;
  const int64_t size = taps * C * K;
  constexpr int64_t kChunk = 256;
  const std::vector<float> zeros(static_cast<size_t>(C), 0.f);
  // One partial gradient per thread, but chunks handed out one at a time: a thread that gets
  // less of the CPU (another process, V8's garbage collector) takes fewer chunks.
  const int64_t chunks = ceil_div(pixels, kChunk);
  const int tasks = static_cast<int>(std::min<int64_t>(pool.size(), chunks));
  std::vector<float> partials(static_cast<size_t>(std::max(0, tasks - 1)) * size);
  std::atomic<int64_t> next_chunk{0};
  pool.parallel_for(tasks, [&](int task) {
    float* out = task == 0 ? dfilter : partials.data() + (task - 1) * size;
    std::memset(out, 0, sizeof(float) * size);
    std::vector<float> dyp(static_cast<size_t>(panels * kChunk * NR), 0.f);
    std::vector<const float*> xp(kChunk);
    std::vector<int64_t> base(kChunk), at_h(kChunk), at_w(kChunk);
    for (int64_t chunk = next_chunk++; chunk < chunks; chunk = next_chunk++) {
      const int64_t p0 = chunk * kChunk;
      const int64_t n_pix = std::min(kChunk, pixels - p0);
      for (int64_t r = 0; r < n_pix; r++) {
        const int64_t p = p0 + r;
        const int64_t n = p / per_image;
        at_h[r] = ((p % per_image) / g.out_w) * g.stride_h - g.top;
        at_w[r] = (p % g.out_w) * g.stride_w - g.left;
        base[r] = n * g.in_h;
        const float* src = dy + p * K;
        for (int64_t j = 0; j < panels; j++) {
          float* dst = dyp.data() + (j * kChunk + r) * NR;
          const int64_t width = std::min<int64_t>(NR, K - j * NR);
          std::memcpy(dst, src + j * NR, sizeof(float) * width);
        }
      }
      for (int64_t kh = 0, t = 0; kh < g.k_h; kh++) {
        for (int64_t kw = 0; kw < g.k_w; kw++, t++) {
          bool any = false;
          for (int64_t r = 0; r < n_pix; r++) {
            const int64_t ih = at_h[r] + kh * g.dilation_h;
            const int64_t iw = at_w[r] + kw * g.dilation_w;
            const bool valid = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
            xp[r] = valid ? x + ((base[r] + ih) * g.in_w + iw) * C : zeros.data();
            any |= valid;
          }
          if (!any) continue;
          for (int64_t cb = 0; cb * MR < C; cb++) {
            const int64_t c0 = std::min(cb * MR, C - MR);
            const int skip = static_cast<int>(cb * MR - c0);
            for (int64_t j = 0; j < panels; j++) {
              const int nr = static_cast<int>(std::min<int64_t>(NR, K - j * NR));
              kernel(n_pix, xp.data(), c0, dyp.data() + j * kChunk * NR,
                        out + (t * C + c0) * K + j * NR, K, skip, nr);
            }
          }
        }
      }
    }
  });
  for (int t = 1; t < tasks; t++) {
    const float* p = partials.data() + (t - 1) * size;
    for (int64_t i = 0; i < size; i++) dfilter[i] += p[i];
  }
}

}  // namespace

void conv2d_forward(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* filter,
                    float* y) {
  if (is_pointwise(g)) {
    // A 1x1 stride-1 convolution is a plain product: [pixels, in_c] x [in_c, out_c].
    gemm_parallel(pool, false, false, g.batch * g.out_h * g.out_w, g.out_c, g.in_c, x, g.in_c,
                  filter, g.out_c, y, g.out_c, false);
    return;
  }
  direct_forward(pool, g, x, filter, y);
}

void conv2d_backprop_input(ThreadPool& pool, const ConvGeometry& g, const float* dy,
                           const float* filter, float* dx) {
  // The tap kernel's columns are input channels here: too few would leave its tile mostly empty.
  if (is_pointwise(g) || g.in_c < direct_isa().nr / 2) {
    conv2d_backprop_input_im2col(pool, g, dy, filter, dx);
    return;
  }
  direct_backprop_input(pool, g, dy, filter, dx);
}

void conv2d_backprop_filter(ThreadPool& pool, const ConvGeometry& g, const float* x,
                            const float* dy, float* dfilter) {
  // Blocks of MR input channels (the last one overlapping), so at least MR of them.
  if (is_pointwise(g) || g.in_c < direct_isa().mr) {
    conv2d_backprop_filter_im2col(pool, g, x, dy, dfilter);
    return;
  }
  direct_backprop_filter(pool, g, x, dy, dfilter);
}

}  // namespace selfsup
