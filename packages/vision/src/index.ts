/**
 * @selfsup/vision: encoders (small ConvNet, ResNet, ViT), projection and prediction heads, and
 * the custom layers they use. Importing the package registers those layers with
 * `tf.serialization`, so saved models load with `tf.loadLayersModel`.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@selfsup/vision';
export * from './layers/index';
export * from './encoders/index';
export * from './heads/index';
