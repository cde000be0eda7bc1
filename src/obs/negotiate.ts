/**
 * HTTP content negotiation for /status: does the client prefer HTML over JSON? Browsers send
 * `text/html,...,*\/*;q=0.8` and get the page; curl (`*\/*`), scripts and anything ambiguous
 * get JSON, because machines are the ones that break on HTML. Accept parsing (q-values,
 * wildcards, specificity) is the `negotiator` package's, the one express and fastify use.
 */
import Negotiator from 'negotiator';

/** JSON is listed first: negotiator breaks ties by this order, so only a strict preference gives HTML. */
const OFFERED = ['application/json', 'text/html'];

/** True when the Accept header ranks text/html strictly above application/json. */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return false;
  return new Negotiator({ headers: { accept } }).mediaType(OFFERED) === 'text/html';
}
