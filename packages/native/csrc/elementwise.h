// Element-wise functions that tfjs's wasm backend computes with scalar code (~9 ns an element).
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace selfsup {

// kRelu: x < 0 ? 0 : x (NaN stays NaN, as tfjs's cpu kernel).
enum class UnaryOp { kExp, kErf, kRelu };

// y[i] = op(x[i]) for i < n, split over the pool; x and y may be the same array.
void unary(ThreadPool& pool, UnaryOp op, const float* x, float* y, int64_t n);

// Exact GELU, y = 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's nn.GELU()), with the erf of unary();
// x and y may be the same array.
void gelu_forward(ThreadPool& pool, const float* x, float* y, int64_t n);

// Its gradient: dx = dy * (0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi)); dx may be
// x or dy.
void gelu_backward(ThreadPool& pool, const float* x, const float* dy, float* dx, int64_t n);

// kReluGrad: a where b > 0, else 0 (NaN where b is NaN): the gradient dy of relu(x), a = dy, b = x.
enum class BinaryOp { kAdd, kSub, kMul, kReluGrad };

// How an operand of a binary op maps onto the output viewed as [outer, inner]: its own shape is
// [outer, inner] (kFull), [inner] (kRow, repeated over outer), [outer] (kColumn, repeated over
// inner) or a single value (kScalar).
enum class Broadcast { kFull = 0, kRow = 1, kColumn = 2, kScalar = 3 };

// out = a op b element-wise over [outer, inner], with each operand broadcast as given.
void binary(ThreadPool& pool, BinaryOp op, const float* a, Broadcast a_mode, const float* b,
            Broadcast b_mode, int64_t outer, int64_t inner, float* out);

// out[p * inner + c] = scale * sum over r of x[(p * rows + r) * inner + c]: a sum over the middle
// axis of x viewed as [outer, rows, inner] (inner = 1 sums rows, outer = 1 sums columns).
// Summed in double.
void reduce_sum(ThreadPool& pool, const float* x, int64_t outer, int64_t rows, int64_t inner,
                float scale, float* out);

// out[p * inner + c] = the largest x[(p * rows + r) * inner + c] over r; NaN if any is NaN (as
// tfjs's cpu kernel). rows must be at least 1.
void reduce_max(ThreadPool& pool, const float* x, int64_t outer, int64_t rows, int64_t inner,
                float* out);

}  // namespace selfsup
