export * from './moco-v2';
