-- 1001: gold aggregation tables (issue #16), applied by the aggregation outputs from this folder
-- (versions 1001+ so they never collide with the raw migrations in the parent folder, which share
-- schema_migrations). ClickHouse 18.16 compatible: UInt64/Int64 ms, no DateTime64, no TTL.
-- De-duplicated by window key and schema version: a re-run or replay writes the same rows, and
-- ReplacingMergeTree(revision) keeps the complete vector (revision 1) over an early partial
-- emit (revision 0). Read with FINAL for exact results before merges.
CREATE TABLE IF NOT EXISTS gold_ohlc_bars
(
    window_key String,
    market_id String,
    epoch_id Int64,
    tick_index Int64,
    start_ms UInt64,
    end_ms UInt64,
    schema_version UInt16,
    revision UInt32,
    quality_flags UInt32,
    has_trades UInt8,
    open Int64,
    high Int64,
    low Int64,
    close Int64,
    volume Int64,
    notional Int64,
    vwap Int64,
    trade_count UInt64,
    features_hash String
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(toDateTime(intDiv(start_ms, 1000)))
ORDER BY (market_id, window_key, schema_version);

CREATE TABLE IF NOT EXISTS gold_feature_vectors
(
    window_key String,
    kind String,
    market_id String,
    epoch_id Int64,
    tick_index Int64,
    start_ms UInt64,
    end_ms UInt64,
    schema_version UInt16,
    revision UInt32,
    quality_flags UInt32,
    sources_expected UInt32,
    sources_seen UInt32,
    events_seen UInt64,
    late_events_dropped UInt64,
    stale_events_seen UInt64,
    influencer_net_flow Int64,
    influencers_long UInt64,
    influencers_short UInt64,
    largest_mover String,
    consensus_ratio UInt32,
    features String,
    features_hash String,
    vector_hex String
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(toDateTime(intDiv(start_ms, 1000)))
ORDER BY (market_id, kind, window_key, schema_version)
