export { executeCompiledOnce } from './compiled-once.js';
export type { DatabaseHandle } from './connect.js';
export { openDatabase } from './connect.js';
export type { Dialect } from './dialect.js';
export { isUniqueViolation, pingDatabase } from './dialect.js';
export type { Transact } from './group-commit.js';
export { plainTransactions } from './group-commit.js';
export { migrateToLatest } from './migrate.js';
export type * from './schema.js';
