export * from './few-shot';
