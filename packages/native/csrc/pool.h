// Max pooling gradient (channels last).
#pragma once

#include "conv.h"

namespace selfsup {

// dx of a max pool over x with the window of `g` (k_h x k_w, strides, dilations, top/left
// padding; in_c == out_c): each window's dy goes to the first position holding its max, in window
// order (row by row), as tfjs's cpu kernel does; a window of NaNs gives it to its first position.
void max_pool_grad(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* dy,
                   float* dx);

}  // namespace selfsup
