import { resolveRng, type Rng } from '../random/index';
import { checkRange, roundHalfEven } from './_internal';

/** An integer pixel rectangle of an image: rows [top, top + height), columns [left, left + width). */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Area and aspect-ratio ranges of {@link randomResizedCrop}. */
export interface ResizedCropRanges {
  /** Range of the crop's area as a fraction of the image's. Default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height (drawn log-uniformly). Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
}

/**
 * Draws `count` crop boxes with torchvision's `RandomResizedCrop.get_params`: up to 10 attempts
 * with area fraction uniform in `scale` and aspect ratio log-uniform in `ratio` (sizes rounded
 * half-to-even, as Python's `round`), position uniform; if no attempt fits, the central crop
 * with the aspect ratio clamped to `ratio` (the whole image when its ratio is within range).
 *
 * @param height - image height in pixels.
 * @param width - image width in pixels.
 * @param count - number of boxes (one per sample).
 *
 * @example
 * ```ts
 * const boxes = sampleResizedCropBoxes(32, 32, 256, { scale: [0.2, 1] }, createRng(0));
 * ```
 */
export function sampleResizedCropBoxes(
  height: number,
  width: number,
  count: number,
  ranges: ResizedCropRanges = {},
  rng?: Rng,
): CropBox[] {
  const fn = 'sampleResizedCropBoxes';
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw new Error(`${fn}: height and width must be positive integers, got ${height} x ${width}`);
  }
  const [sMin, sMax] = checkRange(ranges.scale ?? [0.08, 1], fn, 'scale');
  const [rMin, rMax] = checkRange(ranges.ratio ?? [3 / 4, 4 / 3], fn, 'ratio');
  if (sMin < 0 || rMin <= 0) {
    throw new Error(
      `${fn}: scale must be >= 0 and ratio > 0, got scale [${sMin}, ${sMax}], ratio [${rMin}, ${rMax}]`,
    );
  }
  const r = resolveRng(rng);
  const area = height * width;
  const logMin = Math.log(rMin);
  const logMax = Math.log(rMax);
  const boxes: CropBox[] = [];
  for (let n = 0; n < count; n++) {
    let box: CropBox | undefined;
    for (let attempt = 0; attempt < 10 && !box; attempt++) {
      const targetArea = area * r.uniform(sMin, sMax);
      const aspect = Math.exp(r.uniform(logMin, logMax));
      const w = roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const top = r.int(height - h + 1);
        const left = r.int(width - w + 1);
        box = { top, left, height: h, width: w };
      }
    }
    if (!box) {
      // Fallback: central crop, aspect ratio clamped to the range.
      const inRatio = width / height;
      let w = width;
      let h = height;
      if (inRatio < rMin) h = roundHalfEven(w / rMin);
      else if (inRatio > rMax) w = roundHalfEven(h * rMax);
      box = {
        top: Math.floor((height - h) / 2),
        left: Math.floor((width - w) / 2),
        height: h,
        width: w,
      };
    }
    boxes.push(box);
  }
  return boxes;
}
