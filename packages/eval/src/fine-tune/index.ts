export * from './fine-tune';
