-- 0001: raw events for audit and replay (one row per fill, trade, state snapshot or dead letter).
-- Must run unchanged on ClickHouse 18.16 and current releases: no DateTime64 (times are UInt64 ms),
-- no TTL (drop old monthly partitions instead), no LowCardinality.
-- ReplacingMergeTree(version) collapses rows with the same ORDER BY key: the primary and secondary
-- listener (and re-sends after an outage) deliver the same event more than once. event_type is
-- part of the key so a `fill` and the `trade` of the same execution (same event id) both stay.
-- Dedup happens at merge time; readers use FINAL (see the replay query) for exact results.
-- Dead letters: event_type = 'dead_letter', reason code in `reason`, DLQ JSON in `payload`.
CREATE TABLE IF NOT EXISTS raw_events
(
    influencer_id String,
    user String,
    market String,
    event_type String,
    event_id String,
    listener_id String,
    event_time UInt64,
    ingest_time UInt64,
    payload String,
    reason String DEFAULT '',
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(toDateTime(intDiv(event_time, 1000)))
ORDER BY (influencer_id, market, event_type, event_id)
