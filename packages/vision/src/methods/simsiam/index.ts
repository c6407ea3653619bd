export * from './simsiam';
