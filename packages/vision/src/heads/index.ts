export * from './projection-head';
export * from './prediction-head';
