export * from './weight-norm-dense';
export * from './l2-normalize-layer';
export * from './dino-head';
export * from './dino';
