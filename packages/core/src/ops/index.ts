export * from './stop-gradient';
export * from './l2-normalize';
export * from './gelu';
export * from './layer-norm';
export * from './tile-gradient';
export * from './relu-gradient';
export * from './log-sum-exp';
