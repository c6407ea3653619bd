// Augmentations on batched tensors, random per sample, every draw from an Rng.
export * from './types';
// Deterministic functional forms (tfjs has none of these; all run on wasm).
export * from './rgb-to-grayscale';
export * from './rgb-to-hsv';
export * from './hsv-to-rgb';
export * from './adjust-brightness';
export * from './adjust-contrast';
export * from './adjust-saturation';
export * from './adjust-hue';
export * from './gaussian-blur-images';
export * from './resized-crop';
export * from './sample-resized-crop-boxes';
export * from './rot90';
// Vision transforms on NHWC images in [0, 1].
export * from './random-resized-crop';
export * from './horizontal-flip';
export * from './color-jitter';
export * from './random-grayscale';
export * from './gaussian-blur';
export * from './solarize';
export * from './normalize';
export * from './rotate90';
export * from './rotate90-batch';
// Combinators.
export * from './compose';
export * from './random-apply';
// Audio: waveforms [batch, time] and spectrograms [batch, time, freq].
export * from './random-gain';
export * from './add-noise';
export * from './time-shift';
export * from './spec-augment-time-mask';
export * from './spec-augment-frequency-mask';
