export type { ImportProgress } from './progress.js';
export { silentProgress, streamProgress } from './progress.js';
export type { ImportReport } from './report.js';
export { reportText } from './report.js';
export type { ImportDeps, LegacySource } from './run.js';
export { importLegacy } from './run.js';
export { LegacySourceError } from './source-error.js';
