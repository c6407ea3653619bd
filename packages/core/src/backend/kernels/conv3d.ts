/**
 * Conv3D, Conv3DBackpropFilterV2 and Conv3DBackpropInputV2. Stock wasm has all three, but as
 * plain C++ loops (Conv3D measured 0.45 GFLOP/s, the filter gradient 0.3); here each is a sum
 * over depth taps of 2-D XNNPACK convolutions of the depth planes those taps read.
 * Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { filterGrad2d } from './conv2d';
import { selectTaps, transposedConv } from './_transposed-conv';
import { asTensor, attr, input, everyNth, wasmBackend, windowAxis, type KernelArgs } from './_util';

/** Geometry of a 3-D convolution (NDHWC) in forward terms. */
interface Conv3DGeometry {
  kD: number;
  kH: number;
  kW: number;
  sD: number;
  sH: number;
  sW: number;
  dD: number;
  dH: number;
  dW: number;
  front: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
  outD: number;
  outH: number;
  outW: number;
}

function geometry(
  xShape: number[],
  filterShape: number[],
  strides: number | number[],
  dilations: number | number[],
  pad: 'valid' | 'same',
): Conv3DGeometry {
  const info = tf.backend_util.computeConv3DInfo(
    xShape as [number, number, number, number, number],
    filterShape as [number, number, number, number, number],
    strides as [number, number, number],
    dilations as [number, number, number],
    pad,
  );
  return {
    kD: info.filterDepth,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sD: info.strideDepth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dD: info.dilationDepth,
    dH: info.dilationHeight,
    dW: info.dilationWidth,
    front: info.padInfo.front,
    top: info.padInfo.top,
    bottom: info.padInfo.bottom,
    left: info.padInfo.left,
    right: info.padInfo.right,
    outD: info.outDepth,
    outH: info.outHeight,
    outW: info.outWidth,
  };
}

/** The depth planes of x `[B, D, H, W, C]` that depth tap `kd` reads, as `[B * outD, H, W, C]`. */
function planesForTap(x: tf.Tensor, kd: number, g: Conv3DGeometry): tf.Tensor {
  const [batch, , h, w, c] = x.shape;
  const span = (g.outD - 1) * g.sD + 1;
  const planes = everyNth(windowAxis(x, 1, kd * g.dD - g.front, span), 1, g.sD, g.outD);
  return tf.reshape(planes, [batch * g.outD, h, w, c]);
}

/** Forward conv3d as sum over depth taps of conv2d. Call inside `tf.tidy`. */
function conv3dBy2d(x: tf.Tensor, filter: tf.Tensor, g: Conv3DGeometry): tf.Tensor {
  const taps = tf.unstack(filter, 0) as tf.Tensor4D[];
  const pads: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [g.top, g.bottom],
    [g.left, g.right],
    [0, 0],
  ];
  const parts = taps.map((wk, kd) =>
    tf.conv2d(planesForTap(x, kd, g) as tf.Tensor4D, wk, [g.sH, g.sW], pads, 'NHWC', [g.dH, g.dW]),
  );
  const sum = parts.length === 1 ? parts[0] : tf.addN(parts);
  return tf.reshape(sum, [x.shape[0], g.outD, g.outH, g.outW, (filter.shape as number[])[4]]);
}

function conv3D(args: KernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  const filter = input(args, 'filter');
  const g = geometry(
    x.shape,
    filter.shape,
    attr<number[]>(args, 'strides'),
    attr<number[] | undefined>(args, 'dilations') ?? 1,
    attr<'valid' | 'same'>(args, 'pad'),
  );
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => conv3dBy2d(asTensor(x, backend), asTensor(filter, backend), g));
}

function conv3DBackpropFilterV2(args: KernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  const filterShape = attr<number[]>(args, 'filterShape');
  const g = geometry(
    x.shape,
    filterShape,
    attr<number[]>(args, 'strides'),
    1,
    attr<'valid' | 'same'>(args, 'pad'),
  );
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => {
    const xt = asTensor(x, backend);
    const [batch, , , , co] = dy.shape;
    const dy2 = tf.reshape(asTensor(dy, backend), [batch * g.outD, g.outH, g.outW, co]);
    const dyT = tf.transpose(dy2, [1, 2, 0, 3]); // shared by every depth tap
    const g2 = {
      kH: g.kH,
      kW: g.kW,
      sH: g.sH,
      sW: g.sW,
      dH: g.dH,
      dW: g.dW,
      top: g.top,
      left: g.left,
    };
    const perTap: tf.Tensor[] = [];
    for (let kd = 0; kd < g.kD; kd++)
      perTap.push(filterGrad2d(planesForTap(xt, kd, g), dy2, g2, dyT));
    return tf.stack(perTap, 0);
  });
}

function conv3DBackpropInputV2(args: KernelArgs): tf.TensorInfo {
  const backend = wasmBackend(args);
  const dy = input(args, 'dy');
  const filter = input(args, 'filter');
  const inputShape = attr<number[]>(args, 'inputShape');
  const g = geometry(
    inputShape,
    filter.shape,
    attr<number[]>(args, 'strides'),
    1,
    attr<'valid' | 'same'>(args, 'pad'),
  );
  const [, inD, inH, inW, ci] = inputShape;
  return tf.tidy(() => {
    const wT = tf.transpose(asTensor(filter, backend), [0, 1, 2, 4, 3]); // [kD, kH, kW, Cout, Cin]
    return transposedConv(
      backend,
      asTensor(dy, backend),
      [
        { inSize: inD, k: g.kD, stride: g.sD, dilation: g.dD, padBefore: g.front },
        { inSize: inH, k: g.kH, stride: g.sH, dilation: g.dH, padBefore: g.top },
        { inSize: inW, k: g.kW, stride: g.sW, dilation: g.dW, padBefore: g.left },
      ],
      ci,
      (crop, pads, taps, dil) => {
        const sub = selectTaps(wT, taps);
        const [, cd, ch, cw] = crop.shape;
        const [nd, nh, nw] = sub.shape;
        const [wd, wh, ww] = [
          cd + pads[0][0] + pads[0][1],
          ch + pads[1][0] + pads[1][1],
          cw + pads[2][0] + pads[2][1],
        ];
        const gp: Conv3DGeometry = {
          kD: nd,
          kH: nh,
          kW: nw,
          sD: 1,
          sH: 1,
          sW: 1,
          dD: dil[0],
          dH: dil[1],
          dW: dil[2],
          front: pads[0][0],
          top: pads[1][0],
          bottom: pads[1][1],
          left: pads[2][0],
          right: pads[2][1],
          outD: wd - (nd - 1) * dil[0],
          outH: wh - (nh - 1) * dil[1],
          outW: ww - (nw - 1) * dil[2],
        };
        return conv3dBy2d(crop, sub, gp);
      },
    );
  });
}

export const conv3DKernel = conv3D as unknown as tf.KernelFunc;
export const conv3DBackpropFilterV2Kernel = conv3DBackpropFilterV2 as unknown as tf.KernelFunc;
export const conv3DBackpropInputV2Kernel = conv3DBackpropInputV2 as unknown as tf.KernelFunc;
