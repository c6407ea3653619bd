export * from './init-backend';
export * from './register-wasm-training-kernels';
export * from './batch-norm-train';
export { installLeanBackprop, leanBackpropInstalled } from './lean-backprop';
export * from './wasm-buffer-tracker';
export { nativeKernelsStatus, useNativeKernels, type NativeKernelsStatus } from './native-kernels';
