export * from './byol';
