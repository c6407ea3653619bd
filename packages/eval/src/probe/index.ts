export * from './linear-probe';
export * from './linear-classifier';
export * from './minimize-lbfgs';
export type { Standardization } from './fit-standardizer';
