export type { AuditActor, AuditListFilter, AuditRecord } from './record.js';
export { CLI_ACTOR, listAudit, recordAudit, SYSTEM_ACTOR } from './record.js';
