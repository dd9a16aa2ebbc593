export { bearerToken, generateApiKey, hashKey, keyIdOf, keyMatches, type NewApiKey } from './api-keys.js';
export { AUDIT_TOPIC, AuditLog, readAudit, type AuditEntry, type AuditOptions } from './audit.js';
export { KEYS_TOPIC, KeyStore, type Authentication, type CreateKeyOptions, type KeyInfo } from './key-store.js';
export { assertPattern, matches, patternIssue } from './patterns.js';
export { ACTIONS, allows, allowsAll, formatGrant, parseGrant, parseGrants, type Action, type Grant } from './permissions.js';
export { RateLimiter, Slots, type RateOptions, type Take } from './rate-limit.js';
export { redactSecrets } from './redact.js';
export { TenantLog } from './tenant-log.js';
export { TENANT, TenantNames, assertTenant } from './tenants.js';
