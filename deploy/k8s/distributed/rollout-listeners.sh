#!/usr/bin/env bash
# Rolls the listener StatefulSets (updateStrategy OnDelete) one pod at a time, through the
# Eviction API, so the `ingest-listeners` PodDisruptionBudget (both groups, maxUnavailable 1)
# decides: an eviction it would break is refused (429) and retried, never forced. Group A and
# group B are therefore never down together, even with a node drain running at the same time.
# Each replaced pod must be Ready (its listeners up) before the next one goes.
#   usage: rollout-listeners.sh [namespace]      (default hl-ingest)
set -euo pipefail
ns="${1:-hl-ingest}"
for sts in ingest-listeners-a ingest-listeners-b; do
  revision="$(kubectl -n "$ns" get statefulset "$sts" -o jsonpath='{.status.updateRevision}')"
  replicas="$(kubectl -n "$ns" get statefulset "$sts" -o jsonpath='{.spec.replicas}')"
  for ((i = 0; i < replicas; i++)); do
    pod="$sts-$i"
    current="$(kubectl -n "$ns" get pod "$pod" -o jsonpath="{.metadata.labels['controller-revision-hash']}" 2>/dev/null || true)"
    if [[ "$current" == "$revision" ]]; then
      echo "$pod: already at $revision"
      continue
    fi
    uid="$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.metadata.uid}')"
    until kubectl -n "$ns" create --raw "/api/v1/namespaces/$ns/pods/$pod/eviction" -f - <<JSON >/dev/null; do
{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"$pod","namespace":"$ns"}}
JSON
      echo "$pod: eviction refused (another listener pod is down); retrying in 10 s"
      sleep 10
    done
    echo "$pod: evicted; waiting for its replacement to be Ready"
    # The StatefulSet recreates the pod under the same name: wait for a new uid, then Ready.
    until [[ "$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.metadata.uid}' 2>/dev/null || true)" =~ ^.+$ &&
      "$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.metadata.uid}' 2>/dev/null)" != "$uid" ]]; do
      sleep 2
    done
    kubectl -n "$ns" wait --for=condition=Ready "pod/$pod" --timeout=10m
  done
done
echo "listeners rolled"
