/**
 * The Redis key layout, in one place (documented in README.md next to this file). Keys are
 * built by hand rather than with ioredis' keyPrefix so pub/sub channels carry the prefix too.
 */
export interface InfluencerKeys {
  /** SET of every influencer id. */
  readonly ids: string;
  /** HASH per influencer: field `json` holds the full record. */
  record(id: string): string;
  /** STRING address -> id: the uniqueness index for addresses. */
  address(address: string): string;
  /** Pub/sub channel: one message per committed change. */
  readonly changes: string;
  /** STREAM: the audit log (actor, at, action, id, before, after). */
  readonly audit: string;
  /** STRING counter: +1 per committed change. */
  readonly version: string;
}

export function influencerKeys(prefix: string): InfluencerKeys {
  return Object.freeze({
    ids: `${prefix}influencers:ids`,
    record: (id: string) => `${prefix}influencer:${id}`,
    address: (address: string) => `${prefix}influencers:address:${address}`,
    changes: `${prefix}influencers:changes`,
    audit: `${prefix}influencers:audit`,
    version: `${prefix}influencers:version`,
  });
}

/** Field of the record hash holding the JSON. */
export const RECORD_FIELD = 'json';

/** Audit stream cap (approximate trimming): months of ops edits, bounded memory. */
export const AUDIT_MAXLEN = 100_000;

/** What a change notification carries; receivers reload in full whatever it says. */
export interface ChangeNotice {
  readonly action: string;
  readonly ids: readonly string[];
  readonly actor: string;
  readonly at: string;
  readonly version: number;
}
