// Convolutions as matrix products over patches ("im2col"), in chunks of output rows so that the
// patch matrix stays small (a few MB, in cache) whatever the batch. The pool runs chunks in
// parallel; each chunk is one single-threaded product.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "gemm.h"

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

// Rows per chunk: enough chunks for every thread, none larger than kChunkFloats of patches.
int64_t chunk_rows(int64_t rows, int64_t row_len, int threads) {
  const int64_t by_memory = std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, row_len));
  const int64_t by_threads = ceil_div(rows, threads);
  return std::max<int64_t>(1, std::min(by_memory, by_threads));
}

}  // namespace

void gemm_parallel(ThreadPool& pool, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                   int64_t ldc, bool accumulate) {
  const int threads = pool.size();
  if (threads == 1 || m * n * k < kParallelMinMacs) {
    gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  if (m >= n) {
    const int64_t step = ceil_div(ceil_div(m, threads), kSplitQuantum) * kSplitQuantum;
    const int parts = static_cast<int>(ceil_div(m, step));
    pool.parallel_for(parts, [&](int t) {
      const int64_t i0 = t * step;
      const int64_t rows = std::min(step, m - i0);
      gemm(trans_a, trans_b, rows, n, k, trans_a ? a + i0 : a + i0 * lda, lda, b, ldb,
           c + i0 * ldc, ldc, accumulate);
    });
  } else {
    const int64_t step = ceil_div(ceil_div(n, threads), kSplitQuantum) * kSplitQuantum;
    const int parts = static_cast<int>(ceil_div(n, step));
    pool.parallel_for(parts, [&](int t) {
      const int64_t j0 = t * step;
      const int64_t cols = std::min(step, n - j0);
      gemm(trans_a, trans_b, m, cols, k, a, lda, trans_b ? b + j0 * ldb : b + j0, ldb, c + j0,
           ldc, accumulate);
    });
  }
}

void conv2d_forward(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* filter,
                    float* y) {
  const int64_t rows = g.batch * g.out_h * g.out_w;
  const int64_t k = g.k_h * g.k_w * g.in_c;
  if (is_pointwise(g)) {
    gemm_parallel(pool, false, false, rows, g.out_c, k, x, k, filter, g.out_c, y, g.out_c, false);
    return;
  }
  const int64_t step = chunk_rows(rows, k, pool.size());
  pool.parallel_for(static_cast<int>(ceil_div(rows, step)), [&](int t) {
    thread_local Scratch scratch;
    const int64_t r0 = t * step;
    const int64_t n = std::min(step, rows - r0);
    float* cols = scratch.get(static_cast<size_t>(n * k));
    im2col(g, x, r0, n, cols);
    gemm(false, false, n, g.out_c, k, cols, k, filter, g.out_c, y + r0 * g.out_c, g.out_c, false);
  });
}

void conv2d_backprop_input(ThreadPool& pool, const ConvGeometry& g, const float* dy,
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

void conv2d_backprop_filter(ThreadPool& pool, const ConvGeometry& g, const float* x,
                            const float* dy, float* dfilter) {
  const int64_t rows = g.batch * g.out_h * g.out_w;
  const int64_t k = g.k_h * g.k_w * g.in_c;
  if (is_pointwise(g)) {
    gemm_parallel(pool, true, false, k, g.out_c, rows, x, k, dy, g.out_c, dfilter, g.out_c, false);
    return;
  }
  // Each task sums its rows' products into its own partial gradient; the partials are added.
  const int threads = pool.size();
  const int64_t per_task = ceil_div(rows, threads);
  const int tasks = static_cast<int>(ceil_div(rows, per_task));
  const int64_t step = std::max<int64_t>(1, kChunkFloats / std::max<int64_t>(1, k));
  const int64_t size = k * g.out_c;
  std::vector<float> partials(static_cast<size_t>(std::max(0, tasks - 1)) * size);
  pool.parallel_for(tasks, [&](int t) {
    thread_local Scratch scratch;
    float* out = t == 0 ? dfilter : partials.data() + (t - 1) * size;
    const int64_t first = t * per_task;
    const int64_t end = std::min(rows, first + per_task);
    bool accumulate = false;
    for (int64_t r0 = first; r0 < end; r0 += step) {
      const int64_t n = std::min(step, end - r0);
      float* cols = scratch.get(static_cast<size_t>(n * k));
      im2col(g, x, r0, n, cols);
      gemm(true, false, k, g.out_c, n, cols, k, dy + r0 * g.out_c, g.out_c, out, g.out_c,
           accumulate);
      accumulate = true;
    }
  });
  for (int t = 1; t < tasks; t++) {
    const float* p = partials.data() + (t - 1) * size;
    for (int64_t i = 0; i < size; i++) dfilter[i] += p[i];
  }
}

}  // namespace selfsup
