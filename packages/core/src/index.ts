/**
 * @selfsup/core: the parts every selfsup package builds on.
 * @packageDocumentation
 */
export * from './random/index';
export * from './ops/index';
export * from './backend/index';
export * from './losses/index';
export * from './masking/index';
export * from './augment/index';
export * from './optim/index';
export * from './data/index';
export * from './train/index';
export * from './checkpoint/index';
