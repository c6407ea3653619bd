export * from './simclr';
