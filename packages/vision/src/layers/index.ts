export * from './batch-norm';
export * from './layer-norm';
export * from './patch-embed';
export * from './sincos-position-embedding';
export * from './class-token-and-position';
export * from './multi-head-self-attention';
export * from './transformer-block';
export * from './token-pooling';
export type { GeluApproximation } from './functional';
