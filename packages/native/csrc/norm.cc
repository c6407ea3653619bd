// Batch normalization in two passes over the data each way (statistics, then the output), rows
// split over the pool; per-channel sums are accumulated in double per thread, then combined.
// Layer normalization (statistics per row) below.
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

namespace {

// The last pass of the batch-norm forward, one instantiation per epilogue so that each inner
// loop stays branch-free (and vectorized).
template <bool kResidual, bool kRelu>
void batch_norm_apply(const float* in, const float* res, const float* scale, const float* shift,
                      int64_t channels, float* out) {
  for (int64_t c = 0; c < channels; c++) {
    float v = in[c] * scale[c] + shift[c];
    if (kResidual) v += res[c];
    // v < 0 ? 0 : v keeps NaN (as tfjs's relu), unlike std::max(0.f, v).
    if (kRelu) v = v < 0.f ? 0.f : v;
    out[c] = v;
  }
}

// dy masked by the sign of a relu's output: dy where y > 0, 0 where y <= 0, NaN where y is NaN
// (as selfsup's reluGrad kernel).
inline float relu_masked(float dy, float y) { return y > 0.f ? dy : (y == y ? 0.f : y); }

}  // namespace

void batch_norm_forward(ThreadPool& pool, const float* x, int64_t rows, int64_t channels,
                        const float* gamma, const float* beta, float epsilon, float* y,
                        float* mean, float* variance, float* inv_std, const float* residual,
                        bool relu) {
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
  auto apply = residual != nullptr ? (relu ? batch_norm_apply<true, true> : batch_norm_apply<true, false>)
                                    : (relu ? batch_norm_apply<false, true> : batch_norm_apply<false, false>);
  pool.parallel_for(tasks, [&](int t) {
    const Span s = span_of(t, tasks, rows);
    for (int64_t r = s.first; r < s.end; r++) {
      const int64_t at = r * channels;
      apply(x + at, residual != nullptr ? residual + at : nullptr, scale.data(), shift.data(),
            channels, y + at);
    }
  });
}

void batch_norm_backward(ThreadPool& pool, const float* dy, const float* x, int64_t rows,
                         int64_t channels, const float* mean, const float* inv_std,
                         const float* gamma, float* dx, float* dgamma, float* dbeta,
                         const float* relu_output, float* dresidual) {
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
        if (relu_output != nullptr) {
          const float* out = relu_output + r * channels;
          for (int64_t c = 0; c < channels; c++) {
            const float m = relu_masked(g[c], out[c]);
            b_dy[c] += m;
            b_dyx[c] += m * (in[c] - mean[c]);
          }
          continue;
        }
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
      if (relu_output != nullptr) {
        const float* y = relu_output + r * channels;
        float* dres = dresidual != nullptr ? dresidual + r * channels : nullptr;
        for (int64_t c = 0; c < channels; c++) {
          const float m = relu_masked(g[c], y[c]);
          out[c] = a[c] * m + b[c] * in[c] + k[c];
          if (dres != nullptr) dres[c] = m;
        }
        continue;
      }
      for (int64_t c = 0; c < channels; c++) out[c] = a[c] * g[c] + b[c] * in[c] + k[c];
      if (dresidual != nullptr) std::copy(g, g + channels, dresidual + r * channels);
    }
  });
}

// Layer normalization: rows are independent, so each task takes whole rows. A row (a token's
// features, ~128-1024 floats) stays in L1 between its passes, so the extra passes cost little.
namespace {

// Horizontal sums over a row run in kLanes independent float chains, combined in double at the
// end: a plain `s += v` loop does not vectorize (without -ffast-math the compiler may not
// reorder the additions), and each chain adds only channels / kLanes values.
constexpr int kLanes = 16;

// Chunks of rows handed out to the pool: several per thread, so that a thread that gets less of
// the CPU does not hold the others up.
int row_chunks(ThreadPool& pool, int64_t rows, int64_t channels) {
  if (rows * channels < (int64_t(1) << 15) || pool.size() == 1) return rows > 0 ? 1 : 0;
  return static_cast<int>(std::min<int64_t>(rows, int64_t(pool.size()) * 4));
}

inline double lane_total(const float* lanes) {
  double s = 0;
  for (int j = 0; j < kLanes; j++) s += lanes[j];
  return s;
}

void layer_norm_row(const float* in, int64_t channels, const float* gamma, const float* beta,
                    float epsilon, float* out, float* mean_out, float* inv_std_out) {
  // Everything relative to the row's first element: x - x0 is exact for values of similar
  // magnitude, so an offset common to the row costs no precision.
  const float x0 = in[0];
  float s[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= channels; c += kLanes)
    for (int j = 0; j < kLanes; j++) s[j] += in[c + j] - x0;
  double sum = lane_total(s);
  for (; c < channels; c++) sum += in[c] - x0;
  const double shift = sum / channels;  // mean - x0, up to float rounding
  const float shift_f = static_cast<float>(shift);
  // Second pass: sums of e = x - x0 - shift and of e^2; mean(e) corrects the first pass's
  // rounding (the corrected two-pass variance).
  float se[kLanes] = {}, sq[kLanes] = {};
  c = 0;
  for (; c + kLanes <= channels; c += kLanes)
    for (int j = 0; j < kLanes; j++) {
      const float e = (in[c + j] - x0) - shift_f;
      se[j] += e;
      sq[j] += e * e;
    }
  double sum_e = lane_total(se), sum_sq = lane_total(sq);
  for (; c < channels; c++) {
    const double e = static_cast<double>((in[c] - x0) - shift_f);
    sum_e += e;
    sum_sq += e * e;
  }
  const double de = sum_e / channels;
  const double variance = std::max(0.0, sum_sq / channels - de * de);
  const double is = 1.0 / std::sqrt(variance + epsilon);
  *mean_out = static_cast<float>(x0 + (shift_f + de));
  *inv_std_out = static_cast<float>(is);
  const float centre = static_cast<float>(shift_f + de);  // mean - x0
  const float is_f = static_cast<float>(is);
  for (c = 0; c < channels; c++) out[c] = ((in[c] - x0) - centre) * is_f * gamma[c] + beta[c];
}

}  // namespace

void layer_norm_forward(ThreadPool& pool, const float* x, int64_t rows, int64_t channels,
                        const float* gamma, const float* beta, float epsilon, float* y,
                        float* mean, float* inv_std) {
  if (channels == 0) return;
  const int chunks = row_chunks(pool, rows, channels);
  pool.parallel_for(chunks, [&](int t) {
    const Span s = span_of(t, chunks, rows);
    for (int64_t r = s.first; r < s.end; r++)
      layer_norm_row(x + r * channels, channels, gamma, beta, epsilon, y + r * channels,
                     mean + r, inv_std + r);
  });
}

void layer_norm_backward(ThreadPool& pool, const float* dy, const float* x, int64_t rows,
                         int64_t channels, const float* mean, const float* inv_std,
                         const float* gamma, float* dx, float* dgamma, float* dbeta) {
  if (channels == 0) return;
  const int chunks = row_chunks(pool, rows, channels);
  // Per chunk: sums over its rows of dy * xhat and of dy per channel, in double.
  std::vector<double> partial(static_cast<size_t>(chunks) * channels * 2, 0.0);
  pool.parallel_for(chunks, [&](int t) {
    const Span s = span_of(t, chunks, rows);
    double* sum_dyx = partial.data() + static_cast<size_t>(t) * channels * 2;
    double* sum_dy = sum_dyx + channels;
    std::vector<float> b_dyx(channels), b_dy(channels);
    constexpr int64_t kBlock = 256;  // float sums over at most 256 rows stay accurate
    for (int64_t r0 = s.first; r0 < s.end; r0 += kBlock) {
      std::fill(b_dyx.begin(), b_dyx.end(), 0.f);
      std::fill(b_dy.begin(), b_dy.end(), 0.f);
      const int64_t r1 = std::min(s.end, r0 + kBlock);
      for (int64_t r = r0; r < r1; r++) {
        const float* g = dy + r * channels;
        const float* in = x + r * channels;
        float* out = dx + r * channels;
        const float m = mean[r];
        // Sums over the row of gamma * dy, of gamma * dy * (x - m) and of x - m.
        float la[kLanes] = {}, lb[kLanes] = {}, lr[kLanes] = {};
        int64_t c = 0;
        for (; c + kLanes <= channels; c += kLanes)
          for (int j = 0; j < kLanes; j++) {
            const float gd = gamma[c + j] * g[c + j];
            const float d = in[c + j] - m;
            la[j] += gd;
            lb[j] += gd * d;
            lr[j] += d;
          }
        double a = lane_total(la), b = lane_total(lb), rs = lane_total(lr);
        for (; c < channels; c++) {
          const double gd = static_cast<double>(gamma[c] * g[c]);
          const double d = static_cast<double>(in[c] - m);
          a += gd;
          b += gd * d;
          rs += d;
        }
        // The saved float mean is off by up to half an ulp of it: re-centre on x's own mean.
        const double res = rs / channels;
        const double is = inv_std[r];
        const double sum_gx = is * (b - res * a);  // sum of gamma * dy * xhat
        const float mean_g = static_cast<float>(a / channels);
        const float mean_gx = static_cast<float>(sum_gx / channels);
        const float centre = static_cast<float>(res);
        const float is_f = inv_std[r];
        // Two loops (the row is in L1): one loop writing out and both sums needs more run-time
        // alias checks than GCC makes, and stays scalar.
        float* acc_dyx = b_dyx.data();
        float* acc_dy = b_dy.data();
        for (c = 0; c < channels; c++) {
          acc_dyx[c] += g[c] * (((in[c] - m) - centre) * is_f);
          acc_dy[c] += g[c];
        }
        for (c = 0; c < channels; c++) {
          const float xh = ((in[c] - m) - centre) * is_f;
          out[c] = is_f * (gamma[c] * g[c] - mean_g - xh * mean_gx);
        }
      }
      for (int64_t c = 0; c < channels; c++) {
        sum_dyx[c] += b_dyx[c];
        sum_dy[c] += b_dy[c];
      }
    }
  });
  for (int64_t c = 0; c < channels; c++) {
    double sg = 0, sb = 0;
    for (int t = 0; t < chunks; t++) {
      sg += partial[static_cast<size_t>(t) * channels * 2 + c];
      sb += partial[static_cast<size_t>(t) * channels * 2 + channels + c];
    }
    dgamma[c] = static_cast<float>(sg);
    dbeta[c] = static_cast<float>(sb);
  }
}

}  // namespace selfsup
