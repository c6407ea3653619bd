#include "pool.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace selfsup {

void max_pool_grad(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* dy,
                   float* dx) {
  const int64_t c_count = g.in_c;
  const int64_t image = g.in_h * g.in_w * c_count;
  std::memset(dx, 0, sizeof(float) * g.batch * image);
  // Windows overlap only within an image, so every task owns whole images.
  const int tasks = static_cast<int>(std::min<int64_t>(g.batch, pool.size()));
  const int64_t per = tasks > 0 ? (g.batch + tasks - 1) / tasks : 0;
  pool.parallel_for(tasks, [&](int t) {
    std::vector<float> best(c_count);
    std::vector<int64_t> where(c_count);
    for (int64_t b = t * per; b < std::min(g.batch, (t + 1) * per); b++) {
      const float* xb = x + b * image;
      float* dxb = dx + b * image;
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
          const float* d = dy + ((b * g.out_h + oh) * g.out_w + ow) * c_count;
          for (int64_t c = 0; c < c_count; c++)
            if (where[c] >= 0) dxb[where[c]] += d[c];
        }
      }
    }
  });
}

}  // namespace selfsup
