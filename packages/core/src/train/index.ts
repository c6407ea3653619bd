export * from './ssl-method';
