/** Convolution geometry from a conv kernel's attributes. Internal to src/backend. */
import * as tf from '@tensorflow/tfjs';
import { attr, type KernelArgs } from './_util';

/** Geometry of a 2-D convolution in forward terms (channels last). */
export interface Conv2DGeometry {
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  top: number;
  left: number;
}

/** tfjs's conv info from a conv kernel's attributes (dilations default to 1: gradients have none). */
export function conv2DInfo(args: KernelArgs, xShape: number[], filterShape: number[]) {
  const fmt = tf.backend_util.convertConv2DDataFormat(
    attr<'NHWC' | 'NCHW'>(args, 'dataFormat') ?? 'NHWC',
  );
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attr<number | [number, number]>(args, 'strides'),
    attr<number | [number, number] | undefined>(args, 'dilations') ?? 1,
    attr<'valid' | 'same' | number>(args, 'pad'),
    attr<'floor' | 'round' | 'ceil' | undefined>(args, 'dimRoundingMode'),
    false,
    fmt,
  );
  const g: Conv2DGeometry = {
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dH: info.dilationHeight,
    dW: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
  return { info, g, channelsFirst: fmt === 'channelsFirst' };
}
