/**
 * @selfsup/eval: how a self-supervised encoder proves it learned. Feature extraction, linear
 * probe, kNN, few-shot, fine-tuning, baselines, collapse diagnostics, training monitors, reports.
 * @packageDocumentation
 */
export * from './types';
export * from './features/index';
export * from './probe/index';
export * from './knn/index';
export * from './few-shot/index';
export * from './fine-tune/index';
export * from './baselines/index';
export * from './diagnostics/index';
export * from './callbacks/index';
export * from './report/index';
