export * from './moco-v3';
