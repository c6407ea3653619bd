export * from './barlow-twins';
