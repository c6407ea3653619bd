export * from './evaluate-encoder';
export * from './baselines';
