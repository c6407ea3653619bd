// 2-D convolutions (channels last), forward and both gradients, as matrix products over patches.
#pragma once

#include <cstdint>

#include "thread_pool.h"

namespace selfsup {

// Shapes of one convolution: x [batch, in_h, in_w, in_c], filter [k_h, k_w, in_c, out_c],
// y [batch, out_h, out_w, out_c]; `top`/`left` are the zero padding before the first row/column.
struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t k_h, k_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t top, left;
};

// y = conv(x, filter).
void conv2d_forward(ThreadPool& pool, const ConvGeometry& g, const float* x, const float* filter,
                    float* y);

// dx = the gradient of sum(dy * conv(x, filter)) with respect to x.
void conv2d_backprop_input(ThreadPool& pool, const ConvGeometry& g, const float* dy,
                           const float* filter, float* dx);

// dfilter = the gradient of sum(dy * conv(x, filter)) with respect to the filter.
void conv2d_backprop_filter(ThreadPool& pool, const ConvGeometry& g, const float* x,
                            const float* dy, float* dfilter);

// C = op(A) op(B) (or +=) split over the pool by rows or columns of C.
void gemm_parallel(ThreadPool& pool, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                   int64_t ldc, bool accumulate);

}  // namespace selfsup
