export * from './vicreg';
