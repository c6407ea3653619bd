#include "pool.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace selfsup {

namespace {

// Four lanes of GCC/Clang's generic vectors: the argmax needs selects the compiler would
// otherwise leave as branches (mispredicted half the time on real data).
typedef float F4 __attribute__((vector_size(16)));
typedef int32_t I4 __attribute__((vector_size(16)));

inline F4 load4(const float* p) {
  F4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, F4 v) { std::memcpy(p, &v, sizeof v); }

// One window of a tiling pool: dst[q][c] = d[c] where q is the first tap holding the maximum of
// src[.][c], else 0.
void window_grad(int64_t taps, const float* const* src, float* const* dst, const float* d,
                 int64_t c_count) {
  int64_t c = 0;
  for (; c + 4 <= c_count; c += 4) {
    F4 best = load4(src[0] + c);
    I4 arg = {0, 0, 0, 0};
    for (int64_t q = 1; q < taps; q++) {
      const F4 value = load4(src[q] + c);
      const I4 greater = value > best;
      best = greater ? value : best;
      arg = greater ? I4{} + static_cast<int32_t>(q) : arg;
    }
    const F4 grad = load4(d + c);
    const F4 zero = {0.f, 0.f, 0.f, 0.f};
    for (int64_t q = 0; q < taps; q++)
      store4(dst[q] + c, arg == static_cast<int32_t>(q) ? grad : zero);
  }
  for (; c < c_count; c++) {
    float best = src[0][c];
    int64_t arg = 0;
    for (int64_t q = 1; q < taps; q++) {
      if (src[q][c] > best) {
        best = src[q][c];
        arg = q;
      }
    }
    for (int64_t q = 0; q < taps; q++) dst[q][c] = q == arg ? d[c] : 0.f;
  }
}

// The common pool whose windows tile the input without overlap or padding (2x2 stride 2):
// per window, the first position of the maximum is found for all channels at once (a loop the
// compiler vectorizes), and every covered dx element is written once; rows and columns past
// the last window get zeros.
void max_pool_grad_tiled(const ConvGeometry& g, const float* xb, const float* dyb, float* dxb) {
  const int64_t c_count = g.in_c;
  const int64_t kh = g.k_h, kw = g.k_w;
  const int64_t taps = kh * kw;
  std::vector<const float*> src(taps);
  std::vector<float*> dst(taps);
  for (int64_t oh = 0; oh < g.out_h; oh++) {
    for (int64_t ow = 0; ow < g.out_w; ow++) {
      for (int64_t i = 0, q = 0; i < kh; i++) {
        for (int64_t j = 0; j < kw; j++, q++) {
          const int64_t offset = ((oh * kh + i) * g.in_w + ow * kw + j) * c_count;
          src[q] = xb + offset;
          dst[q] = dxb + offset;
        }
      }
      window_grad(taps, src.data(), dst.data(), dyb + (oh * g.out_w + ow) * c_count, c_count);
    }
  }
  // Input rows and columns no window reaches.
  for (int64_t h = 0; h < g.in_h; h++) {
    if (h >= g.out_h * kh) {
      std::memset(dxb + h * g.in_w * c_count, 0, sizeof(float) * g.in_w * c_count);
    } else if (g.in_w > g.out_w * kw) {
      float* row = dxb + (h * g.in_w + g.out_w * kw) * c_count;
      std::memset(row, 0, sizeof(float) * (g.in_w - g.out_w * kw) * c_count);
    }
  }
}

// Any window: each window's dy goes to the first position of its maximum, windows scanned in
// order (overlapping windows add up).
void max_pool_grad_general(const ConvGeometry& g, const float* xb, const float* dyb, float* dxb) {
  const int64_t c_count = g.in_c;
  std::memset(dxb, 0, sizeof(float) * g.in_h * g.in_w * c_count);
  std::vector<float> best(c_count);
  std::vector<int64_t> where(c_count);
  for (int64_t oh = 0; oh < g.out_h; oh++) {
    for (int64_t ow = 0; ow < g.out_w; ow++) {
      std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
      std::fill(where.begin(), where.end(), int64_t(-1));
      for (int64_t i = 0; i < g.k_h; i++) {
        const int64_t h = oh * g.stride_h - g.top + i * g.dilation_h;
        if (h < 0 || h >= g.in_h) continue;
        for (int64_t j = 0; j < g.k_w; j++) {
          const int64_t w = ow * g.stride_w - g.left + j * g.dilation_w;
          if (w < 0 || w >= g.in_w) continue;
          const int64_t base = (h * g.in_w + w) * c_count;
          for (int64_t c = 0; c < c_count; c++) {
            const float v = xb[base + c];
            if (v > best[c] || where[c] < 0) {
              best[c] = v;
              where[c] = base + c;
            }
          }
        }
      }
      const float* d = dyb + (oh * g.out_w + ow) * c_count;
      for (int64_t c = 0; c < c_count; c++)
        if (where[c] >= 0) dxb[where[c]] += d[c];
    }
  }
}

}  // namespace

void max_pool_grad(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* dy,
                   float* dx) {
  const int64_t image = g.in_h * g.in_w * g.in_c;
  const int64_t out_image = g.out_h * g.out_w * g.in_c;
  const bool tiled = g.stride_h == g.k_h && g.stride_w == g.k_w && g.dilation_h == 1 &&
                     g.dilation_w == 1 && g.top == 0 && g.left == 0;
  // Windows overlap only within an image, so every task owns whole images; several tasks per
  // thread, handed out as threads free up.
  const int64_t per = std::max<int64_t>(1, g.batch / (static_cast<int64_t>(pool.size()) * 8));
  const int tasks = static_cast<int>((g.batch + per - 1) / per);
  pool.parallel_for(tasks, [&](int t) {
    for (int64_t b = t * per; b < std::min(g.batch, (t + 1) * per); b++) {
      if (tiled) {
        max_pool_grad_tiled(g, x + b * image, dy + b * out_image, dx + b * image);
      } else {
        max_pool_grad_general(g, x + b * image, dy + b * out_image, dx + b * image);
      }
    }
  });
}

}  // namespace selfsup
