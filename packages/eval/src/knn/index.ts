export * from './knn-classify';
