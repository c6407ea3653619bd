export * from './embedding-std';
export * from './effective-rank';
export * from './symmetric-eigenvalues';
export * from './alignment';
export * from './uniformity';
export * from './codebook-perplexity';
