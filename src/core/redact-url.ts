/**
 * The one helper that masks credentials in URLs before they are logged or shown (logs, /status,
 * CLI output, config dumps, error messages): the user-info password (or a lone user name,
 * which is how tokens are often passed) and query parameters named like secrets.
 */

export const URL_MASK = '***';

const SECRET_PARAM = /pass|secret|token|key|auth|sig|credential/i;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** `url` with its credentials replaced by `***`; a string that is no URL is masked by pattern. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/(\/\/)[^@/\s]*@/, `$1${URL_MASK}@`);
  }
  let changed = false;
  if (u.password !== '') {
    u.password = URL_MASK;
    changed = true;
  } else if (u.username !== '') {
    u.username = URL_MASK;
    changed = true;
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) {
      u.searchParams.set(key, URL_MASK);
      changed = true;
    }
  }
  return changed ? u.toString() : url;
}

/** Every URL inside free text (an error message, a description) with credentials masked. */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (m) => redactUrl(m));
}

/** Whether a URL carries a password in its user-info. */
export function urlHasPassword(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    return new URL(v).password !== '';
  } catch {
    return false;
  }
}
