/**
 * Just enough HTTP content negotiation for /status: does the client prefer HTML over JSON?
 * Browsers send `text/html,...,*\/*;q=0.8` and get the page; curl (`*\/*`), scripts and
 * anything ambiguous get JSON, because machines are the ones that break on HTML.
 */

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.trim().split(';');
    const [type, subtype] = range.trim().toLowerCase().split('/');
    if (type === undefined || type === '' || subtype === undefined || subtype === '') continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k?.trim().toLowerCase() === 'q' && v !== undefined) {
        const n = Number(v.trim());
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
      }
    }
    out.push({ type, subtype, q });
  }
  return out;
}

/** Quality the Accept ranges give `mime`: the most specific matching range wins (RFC 9110 12.5.1). */
function qualityOf(ranges: readonly MediaRange[], mime: string): number {
  const [type, subtype] = mime.split('/');
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 2
        : r.type === type && r.subtype === '*'
          ? 1
          : r.type === '*'
            ? 0
            : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return best < 0 ? 0 : q;
}

/** True when the Accept header ranks text/html strictly above application/json. */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return false;
  const ranges = parseAccept(accept);
  return qualityOf(ranges, 'text/html') > qualityOf(ranges, 'application/json');
}
