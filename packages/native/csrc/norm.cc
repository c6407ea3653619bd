// Batch normalization in two passes over the data each way (statistics, then the output), rows
// split over the pool; per-channel sums are accumulated in double per thread, then combined.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace selfsup {
namespace {

// Rows [first, end) of task t when `rows` are split into `tasks` contiguous parts.
struct Span {
  int64_t first, end;
};
Span span_of(int t, int tasks, int64_t rows) {
  const int64_t per = (rows + tasks - 1) / tasks;
  return {std::min(rows, t * per), std::min(rows, (t + 1) * per)};
}

int tasks_for(ThreadPool& pool, int64_t rows, int64_t channels) {
  // Below ~64k elements a single thread is faster than waking the pool.
  if (rows * channels < (int64_t(1) << 16)) return 1;
  return static_cast<int>(std::min<int64_t>(pool.size(), rows));
}

}  // namespace

void batch_norm_forward(ThreadPool& pool, const float* x, int64_t rows, int64_t channels,
                        const float* gamma, const float* beta, float epsilon, float* y,
                        float* mean, float* variance, float* inv_std) {
  const int tasks = tasks_for(pool, rows, channels);
  // Per task: sums of x and of x^2 per channel, float accumulators per row block, double overall.
  std::vector<double> partial(static_cast<size_t>(tasks) * channels * 2, 0.0);
  // Sums of x - (the first row), so that a large common offset does not swamp the variance.
  std::vector<float> origin(x, x + (rows > 0 ? channels : 0));
  origin.resize(channels, 0.f);
  pool.parallel_for(tasks, [&](int t) {
    const Span s = span_of(t, tasks, rows);
    double* sum = partial.data() + static_cast<size_t>(t) * channels * 2;
    double* sum_sq = sum + channels;
    std::vector<float> block_sum(channels), block_sq(channels);
    constexpr int64_t kBlock = 256;  // float sums over at most 256 rows stay accurate
    for (int64_t r0 = s.first; r0 < s.end; r0 += kBlock) {
      std::fill(block_sum.begin(), block_sum.end(), 0.f);
      std::fill(block_sq.begin(), block_sq.end(), 0.f);
      const int64_t r1 = std::min(s.end, r0 + kBlock);
      for (int64_t r = r0; r < r1; r++) {
        const float* row = x + r * channels;
        for (int64_t c = 0; c < channels; c++) {
          const float d = row[c] - origin[c];
          block_sum[c] += d;
          block_sq[c] += d * d;
        }
      }
      for (int64_t c = 0; c < channels; c++) {
        sum[c] += block_sum[c];
        sum_sq[c] += block_sq[c];
      }
    }
  });
  std::vector<float> scale(channels), shift(channels);
  for (int64_t c = 0; c < channels; c++) {
    double s = 0, sq = 0;
    for (int t = 0; t < tasks; t++) {
      s += partial[static_cast<size_t>(t) * channels * 2 + c];
      sq += partial[static_cast<size_t>(t) * channels * 2 + channels + c];
    }
    const double shifted = rows > 0 ? s / rows : 0.0;
    const double m = origin[c] + shifted;
    const double v = rows > 0 ? std::max(0.0, sq / rows - shifted * shifted) : 0.0;
    const double is = 1.0 / std::sqrt(v + epsilon);
    mean[c] = static_cast<float>(m);
    variance[c] = static_cast<float>(v);
    inv_std[c] = static_cast<float>(is);
    scale[c] = static_cast<float>(gamma[c] * is);
    shift[c] = static_cast<float>(beta[c] - gamma[c] * is * m);
  }
  pool.parallel_for(tasks, [&](int t) {
    const Span s = span_of(t, tasks, rows);
    for (int64_t r = s.first; r < s.end; r++) {
      const float* in = x + r * channels;
      float* out = y + r * channels;
      for (int64_t c = 0; c < channels; c++) out[c] = in[c] * scale[c] + shift[c];
    }
  });
}

void batch_norm_backward(ThreadPool& pool, const float* dy, const float* x, int64_t rows,
                         int64_t channels, const float* mean, const float* inv_std,
                         const float* gamma, float* dx, float* dgamma, float* dbeta) {
  const int tasks = tasks_for(pool, rows, channels);
  std::vector<double> partial(static_cast<size_t>(tasks) * channels * 2, 0.0);
  pool.parallel_for(tasks, [&](int t) {
    const Span s = span_of(t, tasks, rows);
    double* sum_dy = partial.data() + static_cast<size_t>(t) * channels * 2;
    double* sum_dy_xc = sum_dy + channels;  // sum of dy * (x - mean); times inv_std later
    std::vector<float> b_dy(channels), b_dyx(channels);
    constexpr int64_t kBlock = 256;
    for (int64_t r0 = s.first; r0 < s.end; r0 += kBlock) {
      std::fill(b_dy.begin(), b_dy.end(), 0.f);
      std::fill(b_dyx.begin(), b_dyx.end(), 0.f);
      const int64_t r1 = std::min(s.end, r0 + kBlock);
      for (int64_t r = r0; r < r1; r++) {
        const float* g = dy + r * channels;
        const float* in = x + r * channels;
        for (int64_t c = 0; c < channels; c++) {
          b_dy[c] += g[c];
          b_dyx[c] += g[c] * (in[c] - mean[c]);
        }
      }
      for (int64_t c = 0; c < channels; c++) {
        sum_dy[c] += b_dy[c];
        sum_dy_xc[c] += b_dyx[c];
      }
    }
  });
  // dx = a * dy + b * x + k per channel, with a = gamma * inv_std,
  // b = -a * inv_std^2 * sum(dy (x - mean)) / rows, k = -a * sum(dy) / rows - b * mean.
  std::vector<float> a(channels), b(channels), k(channels);
  for (int64_t c = 0; c < channels; c++) {
    double sdy = 0, sdyx = 0;
    for (int t = 0; t < tasks; t++) {
      sdy += partial[static_cast<size_t>(t) * channels * 2 + c];
      sdyx += partial[static_cast<size_t>(t) * channels * 2 + channels + c];
    }
    const double is = inv_std[c];
    dbeta[c] = static_cast<float>(sdy);
    dgamma[c] = static_cast<float>(sdyx * is);
    const double ac = gamma[c] * is;
    const double bc = rows > 0 ? -ac * is * is * sdyx / rows : 0.0;
    a[c] = static_cast<float>(ac);
    b[c] = static_cast<float>(bc);
    k[c] = static_cast<float>((rows > 0 ? -ac * sdy / rows : 0.0) - bc * mean[c]);
  }
  pool.parallel_for(tasks, [&](int t) {
    const Span s = span_of(t, tasks, rows);
    for (int64_t r = s.first; r < s.end; r++) {
      const float* g = dy + r * channels;
      const float* in = x + r * channels;
      float* out = dx + r * channels;
      for (int64_t c = 0; c < channels; c++) out[c] = a[c] * g[c] + b[c] * in[c] + k[c];
    }
  });
}

}  // namespace selfsup
