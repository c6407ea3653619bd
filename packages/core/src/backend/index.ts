export * from './init-backend';
export * from './register-wasm-training-kernels';
export * from './batch-norm-train';
