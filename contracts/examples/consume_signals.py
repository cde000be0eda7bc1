"""Reference consumer of the influencer_signals topic in Python (confluent-kafka), applying the
same rules as the Node consumer (contracts/SIGNALS.md, "Consuming"): validate, dedupe on
signalId in a bounded window, check the per-key position chain, commit only after on_signal.

    pip install confluent-kafka jsonschema
    python consume_signals.py kafka:9092 my-desk [influencer_signals]
"""
import json
import sys
from collections import OrderedDict
from pathlib import Path

import jsonschema
from confluent_kafka import Consumer, TopicPartition

DEDUPE_WINDOW = 100_000


def tolerant(schema):
    """The published schema is strict; v1 may add fields and enum values (see Versioning)."""
    if isinstance(schema, dict):
        schema = {k: tolerant(v) for k, v in schema.items() if k != "additionalProperties"}
        for name in ("marketClass", "reconcileReason"):
            if name in schema.get("properties", {}):
                schema["properties"][name] = {"type": ["string", "null"]}
    elif isinstance(schema, list):
        schema = [tolerant(v) for v in schema]
    return schema


SCHEMA = tolerant(json.loads((Path(__file__).parent.parent / "signal.v1.schema.json").read_text()))


def on_signal(signal, chain_break):  # your logic; raise to have the signal delivered again
    print(signal["influencerId"], signal["market"], signal["action"], signal["position"], flush=True)


def on_invalid(msg, reason):
    print(f"invalid p{msg.partition()}@{msg.offset()}: {reason}", file=sys.stderr, flush=True)


def on_chain_break(key, held, signal):
    print(f"chain break {key}: held {held}, previousPosition {signal['previousPosition']}",
          file=sys.stderr, flush=True)


def decode(msg):
    """(signal, None) or (None, reason)."""
    headers = {k: v for k, v in (msg.headers() or [])}
    version = headers.get("schema-version")
    if version is not None and version != b"1":
        return None, f"schema-version {version!r}"
    try:
        signal = json.loads(msg.value() or b"")
        jsonschema.validate(signal, SCHEMA)
    except (ValueError, jsonschema.ValidationError) as e:
        return None, str(e).splitlines()[0]
    key = f"{signal['influencerId']}|{signal['market']}"
    if (msg.key() or b"").decode() != key:
        return None, f"key {msg.key()!r} is not {key!r}"
    return signal, None


def main(brokers, group, topic="influencer_signals"):
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": group,
        "enable.auto.commit": False,      # commit only what on_signal finished
        "auto.offset.reset": "latest",    # a new group does not act on old signals
    })
    consumer.subscribe([topic])
    seen = OrderedDict()                  # signalId -> None, oldest first
    last_position = {}                    # "influencerId|market" -> position (decimal string)
    try:
        while True:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                print(f"kafka: {msg.error()}", file=sys.stderr)
                continue
            signal, reason = decode(msg)
            if signal is None:
                on_invalid(msg, reason)
            elif signal["signalId"] not in seen:
                key = f"{signal['influencerId']}|{signal['market']}"
                held = last_position.get(key)
                # A RECONCILE chains like any signal; a mismatch is a break: report, then adopt.
                chain_break = held is not None and held != signal["previousPosition"]
                if chain_break:
                    on_chain_break(key, held, signal)
                try:
                    on_signal(signal, chain_break)
                except Exception as e:
                    print(f"on_signal failed, retrying: {e}", file=sys.stderr)
                    consumer.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
                    continue                  # not committed, not remembered: delivered again
                seen[signal["signalId"]] = None
                if len(seen) > DEDUPE_WINDOW:
                    seen.popitem(last=False)
                last_position[key] = signal["position"]
            consumer.commit(message=msg, asynchronous=True)   # commits offset + 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
