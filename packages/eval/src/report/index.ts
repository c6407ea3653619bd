export * from './report-data';
export * from './render-report-html';
export * from './write-report';
export * from './read-metrics-jsonl';
export * from './embed-2d';
export * from './svg-line-chart';
export * from './svg-scatter';
export * from './svg-bar-chart';
