/**
 * @selfsup/vision: encoders (small ConvNet, ResNet, ViT), projection and prediction heads, the
 * custom layers they use, the joint-embedding methods (SimCLR, MoCo v2 / v3, BYOL, SimSiam,
 * Barlow Twins, VICReg, DINO) and their augmentation recipes. Importing the package registers the
 * custom layers with `tf.serialization`, so saved models load with `tf.loadLayersModel`.
 * @packageDocumentation
 */
export * from './layers/index';
export * from './encoders/index';
export * from './heads/index';
export * from './augment-recipes/index';
export * from './methods/index';
