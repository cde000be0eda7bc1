/**
 * Which fills a position snapshot accounts for. A snapshot's `time` is the server's clock at
 * the response, fills carry their block's time, and nothing orders the two within one
 * millisecond: a fill stamped with the snapshot's own millisecond may or may not be in it
 * (the protocol notes list the as-of meaning of `time` as unconfirmed). So a snapshot is
 * trusted for fills strictly before its time only.
 */
export function snapshotCovers(snapshotTime: number, fillTime: number): boolean {
  return fillTime < snapshotTime;
}
