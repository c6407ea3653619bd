// Training-mode batch normalization over the rows of a [rows, channels] matrix (channels last).
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace selfsup {

// y = gamma * (x - mean) * inv_std + beta, with the batch mean and biased variance per channel;
// writes mean, variance and inv_std = 1 / sqrt(variance + epsilon) ([channels] each).
void batch_norm_forward(ThreadPool& pool, const float* x, int64_t rows, int64_t channels,
                        const float* gamma, const float* beta, float epsilon, float* y,
                        float* mean, float* variance, float* inv_std);

// The gradients of sum(dy * y) for the forward above, from x and the saved mean and inv_std:
// dx = gamma * inv_std * (dy - sum(dy) / rows - xhat * sum(dy * xhat) / rows),
// dgamma = sum(dy * xhat), dbeta = sum(dy) (sums over rows).
void batch_norm_backward(ThreadPool& pool, const float* dy, const float* x, int64_t rows,
                         int64_t channels, const float* mean, const float* inv_std,
                         const float* gamma, float* dx, float* dgamma, float* dbeta);

}  // namespace selfsup
