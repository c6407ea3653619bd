/**
 * The backprop-input ("transposed") convolution shared by the conv2d, depthwise and conv3d
 * kernels. The stock wasm kernel loops in C++ at ~2.5 GFLOP/s; splitting the result into
 * `prod(strides)` phases turns it into that many stride-1 forward convolutions (XNNPACK, ~28
 * GFLOP/s), each with the sub-kernel of taps that land on the phase, so no multiply is spent on the
 * zeros that the "dilate dy, then convolve" formulation would insert. Internal to src/backend.
 */
import * as tf from '@tensorflow/tfjs';
import { axisPhases, interleavePhases, type AxisPhase, type WasmBackendLike } from './_util';

/** One spatial axis of a convolution, in forward terms. */
export interface ConvAxis {
  /** Input (= dx) size along the axis. */
  inSize: number;
  /** Kernel size. */
  k: number;
  stride: number;
  dilation: number;
  /** Padding before the first input element. */
  padBefore: number;
}

/**
 * Runs one stride-1 correlation for a phase over `dy` (`[B, ...sizes, Cout]`, already cropped)
 * zero-padded by `pads[a] = [before, after]` on spatial axis `a` (passed to the conv as explicit
 * padding rather than materialized); `taps[a]` lists the kernel indices to use along axis `a` (in
 * order), `dilations[a]` their spacing. Returns `[B, ...m, Cin]`.
 */
export type PhaseConv = (
  dy: tf.Tensor,
  pads: Array<[number, number]>,
  taps: number[][],
  dilations: number[],
) => tf.Tensor;

/**
 * dx of a convolution from dy (`[B, ...outSizes, Cout]`, channels last). Call inside `tf.tidy`.
 */
export function transposedConv(
  backend: WasmBackendLike,
  dy: tf.Tensor,
  axes: ConvAxis[],
  inChannels: number,
  conv: PhaseConv,
): tf.Tensor {
  const n = axes.length;
  const batch = dy.shape[0];
  const phases: AxisPhase[][] = axes.map((a) =>
    axisPhases(a.inSize, a.k, a.stride, a.dilation, a.padBefore),
  );
  const parts: Array<{ r: number[]; t: tf.Tensor | null }> = [];
  const r = new Array<number>(n).fill(0);
  for (;;) {
    const ph = r.map((ri, a) => phases[a][ri]);
    if (ph.every((p) => p.m > 0)) {
      // The dy window [from, from + len) per axis: the part inside dy is cropped, the rest is
      // zero padding. A window entirely outside dy (or no taps) contributes nothing.
      const lo = ph.map((p) => Math.max(p.from, 0));
      const hi = ph.map((p, a) => Math.min(p.from + p.len, dy.shape[a + 1]));
      if (ph.some((p, a) => p.taps.length === 0 || hi[a] <= lo[a])) {
        parts.push({ r: r.slice(), t: null });
      } else {
        const cropped = lo.some((l, a) => l > 0 || hi[a] < dy.shape[a + 1])
          ? tf.slice(dy, [0, ...lo, 0], [batch, ...hi.map((h, a) => h - lo[a]), dy.shape[n + 1]])
          : dy;
        parts.push({
          r: r.slice(),
          t: conv(
            cropped,
            ph.map((p, a): [number, number] => [lo[a] - p.from, p.from + p.len - hi[a]]),
            ph.map((p) => p.taps),
            ph.map((p) => p.dilation),
          ),
        });
      }
    }
    let a = n - 1;
    while (a >= 0 && ++r[a] >= axes[a].stride) r[a--] = 0;
    if (a < 0) break;
  }
  if (axes.every((a) => a.stride === 1) && parts.length === 1 && parts[0].t !== null)
    return parts[0].t;
  return interleavePhases(
    backend,
    parts,
    batch,
    axes.map((a) => a.inSize),
    axes.map((a) => a.stride),
    inChannels,
  );
}

/** `w` restricted to `taps[a]` along axis `a` (a gather per axis that is not the identity). */
export function selectTaps(w: tf.Tensor, taps: number[][]): tf.Tensor {
  let out = w;
  taps.forEach((t, a) => {
    const identity = t.length === w.shape[a] && t.every((v, i) => v === i);
    if (!identity) out = tf.gather(out, tf.tensor1d(t, 'int32'), a);
  });
  return out;
}
