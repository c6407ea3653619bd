/**
 * Resamples a mono signal from `fromRate` to `toRate` Hz by band-limited (Hann-windowed sinc)
 * interpolation. When downsampling, the kernel's cutoff moves to the new Nyquist frequency, so
 * content above it is filtered out instead of aliasing. `zeroCrossings` sets the kernel's
 * half-width (quality against speed; 16 by default).
 *
 * @example
 * ```ts
 * const at16k = resample(samplesAt22k, 22050, 16000);
 * ```
 */
export function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  zeroCrossings = 16,
): Float32Array {
  if (!(fromRate > 0 && toRate > 0))
    throw new Error(`resample: rates must be positive, got ${fromRate} -> ${toRate}`);
  if (fromRate === toRate) return samples.slice();
  const n = samples.length;
  const outLength = Math.max(0, Math.round((n * toRate) / fromRate));
  const out = new Float32Array(outLength);
  const step = fromRate / toRate;
  const cutoff = Math.min(1, toRate / fromRate); // as a fraction of the input Nyquist frequency
  const halfWidth = zeroCrossings / cutoff; // in input samples
  for (let i = 0; i < outLength; i++) {
    const t = i * step;
    const lo = Math.max(0, Math.ceil(t - halfWidth));
    const hi = Math.min(n - 1, Math.floor(t + halfWidth));
    let acc = 0;
    for (let k = lo; k <= hi; k++) {
      const x = t - k;
      const arg = Math.PI * cutoff * x;
      const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / halfWidth);
      acc += samples[k] * cutoff * sinc * window;
    }
    out[i] = acc;
  }
  return out;
}
