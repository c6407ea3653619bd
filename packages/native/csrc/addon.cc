// Node-API bindings. Every function takes Float32Arrays (often views of the tfjs wasm heap, a
// SharedArrayBuffer when wasm runs threads) plus element offsets, checks that each operand fits
// in its array, and computes synchronously on the native thread pool.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "norm.h"
#include "pool.h"
#include "thread_pool.h"

namespace {

using selfsup::ConvGeometry;
using selfsup::ThreadPool;

std::unique_ptr<ThreadPool> g_pool;

ThreadPool& pool() {
  if (!g_pool) {
    unsigned hw = std::thread::hardware_concurrency();
    g_pool = std::make_unique<ThreadPool>(static_cast<int>(hw == 0 ? 1 : (hw > 4 ? 4 : hw)));
  }
  return *g_pool;
}

// Thrown as a JS exception by the caller; argument checks produce these.
struct ArgError {
  std::string message;
};

napi_value throw_error(napi_env env, const std::string& message) {
  napi_throw_range_error(env, nullptr, ("@selfsup/native: " + message).c_str());
  return nullptr;
}

int64_t get_int(napi_env env, napi_value v, const char* what) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok || !std::isfinite(d) || d != std::floor(d) ||
      d < 0)
    throw ArgError{std::string(what) + " must be a non-negative integer"};
  return static_cast<int64_t>(d);
}

bool get_bool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

// A short string argument (an operation name; longer strings are cut at 15 characters).
std::string get_name(napi_env env, napi_value v, const char* what) {
  char name[16] = {0};
  size_t length = 0;
  if (napi_get_value_string_utf8(env, v, name, sizeof(name), &length) != napi_ok)
    throw ArgError{std::string(what) + " must be a string"};
  return std::string(name, length);
}

// A Float32Array's data and length in elements.
struct F32 {
  float* data;
  int64_t length;
};

F32 get_f32(napi_env env, napi_value v, const char* what) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) throw ArgError{std::string(what) + " must be a Float32Array"};
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_float32_array)
    throw ArgError{std::string(what) + " must be a Float32Array"};
  if (data == nullptr && length > 0) throw ArgError{std::string(what) + " is detached"};
  return {static_cast<float*>(data), static_cast<int64_t>(length)};
}

// Checks that `rows` rows of `cols` elements with row stride `ld`, from `offset`, fit in `a`.
float* operand(const F32& a, int64_t offset, int64_t rows, int64_t cols, int64_t ld,
               const char* what) {
  if (rows > 0 && cols > 0) {
    if (ld < cols) throw ArgError{std::string(what) + ": row stride is smaller than a row"};
    const int64_t last = offset + (rows - 1) * ld + cols;
    if (last > a.length)
      throw ArgError{std::string(what) + " needs " + std::to_string(last) +
                     " elements from its array, which has " + std::to_string(a.length)};
  }
  return a.data + offset;
}

template <size_t N>
void get_args(napi_env env, napi_callback_info info, napi_value (&argv)[N], size_t want) {
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < want)
    throw ArgError{"expected " + std::to_string(want) + " arguments, got " + std::to_string(argc)};
}

napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

// isa(): the micro-kernel in use.
napi_value Isa(napi_env env, napi_callback_info) {
  napi_value out;
  const char* name = selfsup::gemm_isa();
  napi_create_string_utf8(env, name, std::strlen(name), &out);
  return out;
}

// threads(): the pool size.
napi_value Threads(napi_env env, napi_callback_info) { return make_int(env, pool().size()); }

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    const int64_t n = get_int(env, argv[0], "threads");
    if (n < 1 || n > 256) throw ArgError{"threads must be between 1 and 256"};
    if (n != pool().size()) pool().resize(static_cast<int>(n));
    return make_int(env, pool().size());
  } catch (const ArgError& e) {
    return throw_error(env, "setThreads: " + e.message);
  }
}

// gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate,
//      batch, aBatchStride, bBatchStride, cBatchStride)
napi_value Gemm(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[19];
    get_args(env, info, argv, 19);
    const bool ta = get_bool(env, argv[0]);
    const bool tb = get_bool(env, argv[1]);
    const int64_t m = get_int(env, argv[2], "m");
    const int64_t n = get_int(env, argv[3], "n");
    const int64_t k = get_int(env, argv[4], "k");
    const F32 a = get_f32(env, argv[5], "a");
    const int64_t a_off = get_int(env, argv[6], "aOffset");
    const int64_t lda = get_int(env, argv[7], "lda");
    const F32 b = get_f32(env, argv[8], "b");
    const int64_t b_off = get_int(env, argv[9], "bOffset");
    const int64_t ldb = get_int(env, argv[10], "ldb");
    const F32 c = get_f32(env, argv[11], "c");
    const int64_t c_off = get_int(env, argv[12], "cOffset");
    const int64_t ldc = get_int(env, argv[13], "ldc");
    const bool accumulate = get_bool(env, argv[14]);
    const int64_t batch = get_int(env, argv[15], "batch");
    const int64_t sa = get_int(env, argv[16], "aBatchStride");
    const int64_t sb = get_int(env, argv[17], "bBatchStride");
    const int64_t sc = get_int(env, argv[18], "cBatchStride");
    if (batch == 0) return nullptr;
    // The last item's operands reach furthest.
    const int64_t last = batch - 1;
    operand(a, a_off + last * sa, ta ? k : m, ta ? m : k, lda, "a");
    operand(b, b_off + last * sb, tb ? n : k, tb ? k : n, ldb, "b");
    operand(c, c_off + last * sc, m, n, ldc, "c");
    if (batch > 1 && m > 0 && n > 0 && sc < (m - 1) * ldc + n)
      throw ArgError{"cBatchStride overlaps the items of c"};
    ThreadPool& p = pool();
    if (batch == 1) {
      selfsup::gemm_parallel(p, ta, tb, m, n, k, a.data + a_off, lda, b.data + b_off, ldb,
                             c.data + c_off, ldc, accumulate);
    } else {
      // Items are independent: each thread takes a contiguous range of them.
      const int tasks = static_cast<int>(std::min<int64_t>(batch, p.size()));
      const int64_t per = (batch + tasks - 1) / tasks;
      p.parallel_for(tasks, [&](int t) {
        for (int64_t i = t * per; i < std::min(batch, (t + 1) * per); i++) {
          selfsup::gemm(ta, tb, m, n, k, a.data + a_off + i * sa, lda, b.data + b_off + i * sb,
                        ldb, c.data + c_off + i * sc, ldc, accumulate);
        }
      });
    }
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "gemm: " + e.message);
  }
}

// geometry: [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH,
// dilationW, top, left]
ConvGeometry get_geometry(napi_env env, napi_value v) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  if (!is_array) throw ArgError{"geometry must be an array of 15 integers"};
  uint32_t length = 0;
  napi_get_array_length(env, v, &length);
  if (length != 15) throw ArgError{"geometry must be an array of 15 integers"};
  int64_t f[15];
  for (uint32_t i = 0; i < 15; i++) {
    napi_value e;
    napi_get_element(env, v, i, &e);
    f[i] = get_int(env, e, "geometry entry");
  }
  ConvGeometry g{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
                 f[8], f[9], f[10], f[11], f[12], f[13], f[14]};
  // Memory safety needs no more: every tap is bounds-checked against the input, and each
  // operand's size is checked against its array.
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1)
    throw ArgError{"strides and dilations must be at least 1"};
  return g;
}

// The first `size` elements of `a`, checked to exist.
float* whole(const F32& a, int64_t size, const char* what) {
  return operand(a, 0, 1, size, size, what);
}

// undefined or null (an argument left out counts as undefined).
bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return true;
  return type == napi_undefined || type == napi_null;
}

// An optional Float32Array of exactly `size` elements, or nullptr when left out.
float* optional_whole(napi_env env, napi_value v, int64_t size, const char* what) {
  return is_nullish(env, v) ? nullptr : whole(get_f32(env, v, what), size, what);
}

// conv2d(x, filter, y, geometry)
// conv2dBackpropInput(dy, filter, dx, geometry)
// conv2dBackpropFilter(x, dy, dfilter, geometry)
enum class ConvOp { kForward, kInput, kFilter };

template <ConvOp op>
napi_value Conv(napi_env env, napi_callback_info info) {
  const char* name = op == ConvOp::kForward ? "conv2d"
                     : op == ConvOp::kInput ? "conv2dBackpropInput"
                                            : "conv2dBackpropFilter";
  try {
    napi_value argv[4];
    get_args(env, info, argv, 4);
    const ConvGeometry g = get_geometry(env, argv[3]);
    const int64_t x_size = g.batch * g.in_h * g.in_w * g.in_c;
    const int64_t y_size = g.batch * g.out_h * g.out_w * g.out_c;
    const int64_t w_size = g.k_h * g.k_w * g.in_c * g.out_c;
    const F32 p0 = get_f32(env, argv[0], "first operand");
    const F32 p1 = get_f32(env, argv[1], "second operand");
    const F32 p2 = get_f32(env, argv[2], "output");
    ThreadPool& p = pool();
    if (op == ConvOp::kForward) {
      selfsup::conv2d_forward(p, g, whole(p0, x_size, "x"), whole(p1, w_size, "filter"),
                              whole(p2, y_size, "y"));
    } else if (op == ConvOp::kInput) {
      selfsup::conv2d_backprop_input(p, g, whole(p0, y_size, "dy"), whole(p1, w_size, "filter"),
                                     whole(p2, x_size, "dx"));
    } else {
      selfsup::conv2d_backprop_filter(p, g, whole(p0, x_size, "x"), whole(p1, y_size, "dy"),
                                      whole(p2, w_size, "dfilter"));
    }
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, std::string(name) + ": " + e.message);
  }
}

// batchNormForward(x, gamma, beta, epsilon, y, mean, variance, invStd, rows, channels,
//                  [residual], [relu])
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[12];
    get_args(env, info, argv, 10);
    const int64_t rows = get_int(env, argv[8], "rows");
    const int64_t channels = get_int(env, argv[9], "channels");
    double epsilon = 0;
    if (napi_get_value_double(env, argv[3], &epsilon) != napi_ok || !(epsilon > 0))
      throw ArgError{"epsilon must be a positive number"};
    const int64_t size = rows * channels;
    const float* residual = optional_whole(env, argv[10], size, "residual");
    bool relu = false;
    if (!is_nullish(env, argv[11]) && napi_get_value_bool(env, argv[11], &relu) != napi_ok)
      throw ArgError{"relu must be a boolean"};
    selfsup::batch_norm_forward(
        pool(), whole(get_f32(env, argv[0], "x"), size, "x"), rows, channels,
        whole(get_f32(env, argv[1], "gamma"), channels, "gamma"),
        whole(get_f32(env, argv[2], "beta"), channels, "beta"), static_cast<float>(epsilon),
        whole(get_f32(env, argv[4], "y"), size, "y"),
        whole(get_f32(env, argv[5], "mean"), channels, "mean"),
        whole(get_f32(env, argv[6], "variance"), channels, "variance"),
        whole(get_f32(env, argv[7], "invStd"), channels, "invStd"), residual, relu);
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "batchNormForward: " + e.message);
  }
}

// batchNormBackward(dy, x, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels,
//                   [reluOutput], [dresidual])
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[12];
    get_args(env, info, argv, 10);
    const int64_t rows = get_int(env, argv[8], "rows");
    const int64_t channels = get_int(env, argv[9], "channels");
    const int64_t size = rows * channels;
    const float* relu_output = optional_whole(env, argv[10], size, "reluOutput");
    float* dresidual = optional_whole(env, argv[11], size, "dresidual");
    selfsup::batch_norm_backward(
        pool(), whole(get_f32(env, argv[0], "dy"), size, "dy"),
        whole(get_f32(env, argv[1], "x"), size, "x"), rows, channels,
        whole(get_f32(env, argv[2], "mean"), channels, "mean"),
        whole(get_f32(env, argv[3], "invStd"), channels, "invStd"),
        whole(get_f32(env, argv[4], "gamma"), channels, "gamma"),
        whole(get_f32(env, argv[5], "dx"), size, "dx"),
        whole(get_f32(env, argv[6], "dgamma"), channels, "dgamma"),
        whole(get_f32(env, argv[7], "dbeta"), channels, "dbeta"), relu_output, dresidual);
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "batchNormBackward: " + e.message);
  }
}

// rows * channels for a row-wise normalization (each row needs a channel), refused where the
// product would not fit (it would wrap and pass the bounds checks).
int64_t matrix_size(int64_t rows, int64_t channels) {
  if (channels < 1) throw ArgError{"channels must be at least 1"};
  if (rows > (int64_t(1) << 53) / channels)
    throw ArgError{"rows * channels is too large"};
  return rows * channels;
}

// layerNormForward(x, gamma, beta, epsilon, y, mean, invStd, rows, channels)
napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[9];
    get_args(env, info, argv, 9);
    const int64_t rows = get_int(env, argv[7], "rows");
    const int64_t channels = get_int(env, argv[8], "channels");
    double epsilon = 0;
    if (napi_get_value_double(env, argv[3], &epsilon) != napi_ok || !(epsilon > 0) ||
        !std::isfinite(epsilon))
      throw ArgError{"epsilon must be a positive number"};
    const int64_t size = matrix_size(rows, channels);
    selfsup::layer_norm_forward(
        pool(), whole(get_f32(env, argv[0], "x"), size, "x"), rows, channels,
        whole(get_f32(env, argv[1], "gamma"), channels, "gamma"),
        whole(get_f32(env, argv[2], "beta"), channels, "beta"), static_cast<float>(epsilon),
        whole(get_f32(env, argv[4], "y"), size, "y"),
        whole(get_f32(env, argv[5], "mean"), rows, "mean"),
        whole(get_f32(env, argv[6], "invStd"), rows, "invStd"));
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "layerNormForward: " + e.message);
  }
}

// layerNormBackward(dy, x, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels)
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[10];
    get_args(env, info, argv, 10);
    const int64_t rows = get_int(env, argv[8], "rows");
    const int64_t channels = get_int(env, argv[9], "channels");
    const int64_t size = matrix_size(rows, channels);
    selfsup::layer_norm_backward(
        pool(), whole(get_f32(env, argv[0], "dy"), size, "dy"),
        whole(get_f32(env, argv[1], "x"), size, "x"), rows, channels,
        whole(get_f32(env, argv[2], "mean"), rows, "mean"),
        whole(get_f32(env, argv[3], "invStd"), rows, "invStd"),
        whole(get_f32(env, argv[4], "gamma"), channels, "gamma"),
        whole(get_f32(env, argv[5], "dx"), size, "dx"),
        whole(get_f32(env, argv[6], "dgamma"), channels, "dgamma"),
        whole(get_f32(env, argv[7], "dbeta"), channels, "dbeta"));
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "layerNormBackward: " + e.message);
  }
}

// geluForward(x, y): y = gelu(x) over x's whole length; y may be x.
napi_value GeluForward(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[2];
    get_args(env, info, argv, 2);
    const F32 x = get_f32(env, argv[0], "x");
    selfsup::gelu_forward(pool(), x.data, whole(get_f32(env, argv[1], "y"), x.length, "y"),
                          x.length);
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "geluForward: " + e.message);
  }
}

// geluBackward(x, dy, dx): dx = dy * gelu'(x) over x's whole length; dx may be x or dy.
napi_value GeluBackward(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[3];
    get_args(env, info, argv, 3);
    const F32 x = get_f32(env, argv[0], "x");
    selfsup::gelu_backward(pool(), x.data, whole(get_f32(env, argv[1], "dy"), x.length, "dy"),
                           whole(get_f32(env, argv[2], "dx"), x.length, "dx"), x.length);
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "geluBackward: " + e.message);
  }
}

// maxPoolGrad(x, dy, dx, geometry), geometry as for the convolutions with outC = inC.
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[4];
    get_args(env, info, argv, 4);
    const ConvGeometry g = get_geometry(env, argv[3]);
    if (g.out_c != g.in_c) throw ArgError{"a pool keeps the channels: outC must equal inC"};
    const int64_t x_size = g.batch * g.in_h * g.in_w * g.in_c;
    const int64_t y_size = g.batch * g.out_h * g.out_w * g.out_c;
    selfsup::max_pool_grad(pool(), g, whole(get_f32(env, argv[0], "x"), x_size, "x"),
                           whole(get_f32(env, argv[1], "dy"), y_size, "dy"),
                           whole(get_f32(env, argv[2], "dx"), x_size, "dx"));
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "maxPoolGrad: " + e.message);
  }
}

// unary(name, x, y): y = name(x) element-wise, name 'exp', 'erf' or 'relu'; y may be x.
napi_value Unary(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[3];
    get_args(env, info, argv, 3);
    const std::string name = get_name(env, argv[0], "the function name");
    selfsup::UnaryOp op;
    if (name == "exp")
      op = selfsup::UnaryOp::kExp;
    else if (name == "erf")
      op = selfsup::UnaryOp::kErf;
    else if (name == "relu")
      op = selfsup::UnaryOp::kRelu;
    else
      throw ArgError{"unknown function '" + name + "' (expected 'exp', 'erf' or 'relu')"};
    const F32 x = get_f32(env, argv[1], "x");
    const F32 y = get_f32(env, argv[2], "y");
    if (y.length < x.length) throw ArgError{"y is shorter than x"};
    selfsup::unary(pool(), op, x.data, y.data, x.length);
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "unary: " + e.message);
  }
}

// reduceSum(x, outer, rows, inner, scale, out)
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[6];
    get_args(env, info, argv, 6);
    const int64_t outer = get_int(env, argv[1], "outer");
    const int64_t rows = get_int(env, argv[2], "rows");
    const int64_t inner = get_int(env, argv[3], "inner");
    double scale = 1;
    if (napi_get_value_double(env, argv[4], &scale) != napi_ok || !std::isfinite(scale))
      throw ArgError{"scale must be a finite number"};
    selfsup::reduce_sum(pool(), whole(get_f32(env, argv[0], "x"), outer * rows * inner, "x"),
                        outer, rows, inner, static_cast<float>(scale),
                        whole(get_f32(env, argv[5], "out"), outer * inner, "out"));
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "reduceSum: " + e.message);
  }
}

// binary(name, a, aMode, b, bMode, outer, inner, out): name 'add' | 'sub' | 'mul' | 'reluGrad'; modes 0 full
// [outer, inner], 1 row [inner], 2 column [outer], 3 scalar.
napi_value Binary(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[8];
    get_args(env, info, argv, 8);
    const std::string name = get_name(env, argv[0], "the operation name");
    selfsup::BinaryOp op;
    if (name == "add")
      op = selfsup::BinaryOp::kAdd;
    else if (name == "sub")
      op = selfsup::BinaryOp::kSub;
    else if (name == "mul")
      op = selfsup::BinaryOp::kMul;
    else if (name == "reluGrad")
      op = selfsup::BinaryOp::kReluGrad;
    else
      throw ArgError{"unknown operation '" + name + "' (expected add, sub, mul or reluGrad)"};
    const int64_t outer = get_int(env, argv[5], "outer");
    const int64_t inner = get_int(env, argv[6], "inner");
    auto mode_of = [&](napi_value v, const char* what) {
      const int64_t m = get_int(env, v, what);
      if (m > 3) throw ArgError{std::string(what) + " must be 0 (full), 1 (row), 2 (column) or 3 (scalar)"};
      return static_cast<selfsup::Broadcast>(m);
    };
    auto size_of = [&](selfsup::Broadcast m) {
      return m == selfsup::Broadcast::kFull     ? outer * inner
             : m == selfsup::Broadcast::kRow    ? inner
             : m == selfsup::Broadcast::kColumn ? outer
                                                : int64_t(1);
    };
    const selfsup::Broadcast am = mode_of(argv[2], "aMode");
    const selfsup::Broadcast bm = mode_of(argv[4], "bMode");
    if (outer * inner == 0) return nullptr;
    selfsup::binary(pool(), op, whole(get_f32(env, argv[1], "a"), size_of(am), "a"), am,
                    whole(get_f32(env, argv[3], "b"), size_of(bm), "b"), bm, outer, inner,
                    whole(get_f32(env, argv[7], "out"), outer * inner, "out"));
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "binary: " + e.message);
  }
}

// reduceMax(x, outer, rows, inner, out)
napi_value ReduceMax(napi_env env, napi_callback_info info) {
  try {
    napi_value argv[5];
    get_args(env, info, argv, 5);
    const int64_t outer = get_int(env, argv[1], "outer");
    const int64_t rows = get_int(env, argv[2], "rows");
    const int64_t inner = get_int(env, argv[3], "inner");
    if (rows < 1) throw ArgError{"rows must be at least 1"};
    selfsup::reduce_max(pool(), whole(get_f32(env, argv[0], "x"), outer * rows * inner, "x"),
                        outer, rows, inner,
                        whole(get_f32(env, argv[4], "out"), outer * inner, "out"));
    return nullptr;
  } catch (const ArgError& e) {
    return throw_error(env, "reduceMax: " + e.message);
  }
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"isa", nullptr, Isa, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2d", nullptr, Conv<ConvOp::kForward>, nullptr, nullptr, nullptr, napi_enumerable,
       nullptr},
      {"conv2dBackpropInput", nullptr, Conv<ConvOp::kInput>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv<ConvOp::kFilter>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"reduceMax", nullptr, ReduceMax, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"batchNormForward", nullptr, BatchNormForward, nullptr, nullptr, nullptr, napi_enumerable,
       nullptr},
      {"batchNormBackward", nullptr, BatchNormBackward, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"layerNormForward", nullptr, LayerNormForward, nullptr, nullptr, nullptr, napi_enumerable,
       nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"geluForward", nullptr, GeluForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
