-- 0002: a read-only view of the dead letters kept in raw_events, for operators
-- (SELECT reason, count() FROM dead_letters GROUP BY reason).
CREATE VIEW IF NOT EXISTS dead_letters AS
SELECT
    event_id,
    listener_id,
    event_time AS received_at,
    ingest_time,
    reason,
    payload
FROM raw_events
WHERE event_type = 'dead_letter'
