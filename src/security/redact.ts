/**
 * Hides secrets in text that is about to be logged: API key secrets (`hk_<id>_<secret>` keeps
 * its id), bearer tokens, JWTs wherever they appear (`eyJ...`) and passwords in URLs. Applied
 * to every log line the server writes.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(hk_[a-z0-9]{16})_[A-Za-z0-9_-]+/g, '$1_***')
    .replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)?/g, 'eyJ***')
    .replace(/\b(Bearer\s+)(?!hk_[a-z0-9]{16}_\*\*\*)[^\s"',]+/gi, '$1***')
    .replace(/(\/\/[^/\s:@]*):[^@\s/]*@/g, '$1:***@');
}
