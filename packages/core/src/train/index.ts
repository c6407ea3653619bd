export * from './ssl-method';
export * from './callback';
export * from './non-finite-loss-error';
export * from './trainer';
export * from './metrics-logger';
export * from './progress-bar';
export * from './model-checkpoint';
export * from './early-stopping';
