export * from './trainer-callback';
export * from './collapse-monitor';
export * from './knn-monitor';
