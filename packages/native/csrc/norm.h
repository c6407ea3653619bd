// Training-mode batch normalization over the rows of a [rows, channels] matrix (channels last).
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace selfsup {

// y = gamma * (x - mean) * inv_std + beta, with the batch mean and biased variance per channel;
// writes mean, variance and inv_std = 1 / sqrt(variance + epsilon) ([channels] each).
// Optional epilogue in the same pass: y += residual (shaped like x, when not null), then
// y = max(y, 0) when relu (NaN stays NaN).
void batch_norm_forward(ThreadPool& pool, const float* x, int64_t rows, int64_t channels,
                        const float* gamma, const float* beta, float epsilon, float* y,
                        float* mean, float* variance, float* inv_std,
                        const float* residual = nullptr, bool relu = false);

// The gradients of sum(dy * y) for the forward above, from x and the saved mean and inv_std:
// dx = gamma * inv_std * (dy - sum(dy) / rows - xhat * sum(dy * xhat) / rows),
// dgamma = sum(dy * xhat), dbeta = sum(dy) (sums over rows).
// For a forward with relu, pass its output as relu_output: dy is first masked to
// g = dy where relu_output > 0, 0 where <= 0, NaN where NaN, and g stands for dy above. With a
// residual, dresidual (when not null) receives g, the residual's gradient.
void batch_norm_backward(ThreadPool& pool, const float* dy, const float* x, int64_t rows,
                         int64_t channels, const float* mean, const float* inv_std,
                         const float* gamma, float* dx, float* dgamma, float* dbeta,
                         const float* relu_output = nullptr, float* dresidual = nullptr);

// Layer normalization of each row of a [rows, channels] matrix over its channels:
// y = gamma * (x - mean) * inv_std + beta, with the row's mean and biased variance; writes
// mean and inv_std = 1 / sqrt(variance + epsilon) per row ([rows] each). The statistics are
// taken in two passes from the row's first element (a shifted, corrected two-pass form), so a
// large common offset does not swamp the variance.
void layer_norm_forward(ThreadPool& pool, const float* x, int64_t rows, int64_t channels,
                        const float* gamma, const float* beta, float epsilon, float* y,
                        float* mean, float* inv_std);

// The gradients of sum(dy * y) for the forward above, from x and the saved mean and inv_std,
// with g = gamma * dy and xhat = (x - mean) * inv_std per row:
// dx = inv_std * (g - mean_c(g) - xhat * mean_c(g * xhat)) (means over the row's channels),
// dgamma = sum over rows of dy * xhat, dbeta = sum over rows of dy. The row mean is re-centred
// from x (the float mean's rounding at a large offset would otherwise shift every xhat).
void layer_norm_backward(ThreadPool& pool, const float* dy, const float* x, int64_t rows,
                         int64_t channels, const float* mean, const float* inv_std,
                         const float* gamma, float* dx, float* dgamma, float* dbeta);

}  // namespace selfsup
