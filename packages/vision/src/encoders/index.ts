export * from './small-conv-net';
export * from './resnet';
export * from './vit-sizes';
export * from './vision-transformer';
export * from './vit';
export * from './encoder-feature-dim';
