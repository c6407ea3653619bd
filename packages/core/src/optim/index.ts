export * from './optimizer';
