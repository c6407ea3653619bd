// Element-wise functions that tfjs's wasm backend computes with scalar code (~9 ns an element).
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace selfsup {

enum class UnaryOp { kExp, kErf };

// y[i] = op(x[i]) for i < n, split over the pool; x and y may be the same array.
void unary(ThreadPool& pool, UnaryOp op, const float* x, float* y, int64_t n);

}  // namespace selfsup
