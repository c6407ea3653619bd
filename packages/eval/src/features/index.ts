export * from './extract-features';
