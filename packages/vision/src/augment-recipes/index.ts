export * from './view-augment';
export * from './simclr-augment';
export * from './moco-v2-augment';
export * from './byol-augment';
export * from './dino-multi-crop';
