#!/usr/bin/env bash
# `npm run test:image`: builds the Dockerfile with buildah on a local Debian + Node 20 base
# (scripts/image/make-base.sh; registry images cannot be pulled here), starts the image as its
# CMD with the image's user and environment, waits for /health to answer, runs the image's own
# HEALTHCHECK command inside it, checks that SIGTERM gives an ordered exit 0, then validates
# deploy/k8s against the Kubernetes schemas (scripts/image/validate-k8s.ts).
# Needs root (debootstrap, buildah's chroot isolation); installs buildah and debootstrap from
# Debian when they are missing. Prints each phase's wall time.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { echo "test:image: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
phase_start=$SECONDS
phase() { log "$1 ($((SECONDS - phase_start)) s)"; phase_start=$SECONDS; }

[[ $(id -u) == 0 ]] || fail "needs root (debootstrap and buildah --isolation chroot); run as root or in the CI container"
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    fail "could not install ${missing[*]} with apt-get"
fi

BUILDAH=(buildah --storage-driver vfs)
IMAGE=localhost/hl-influencer-ingest:test
BASE=$(bash scripts/image/make-base.sh)
phase "base image $BASE ready"

# --layers: unchanged steps (npm ci on an unchanged lock) come from the cache on a warm machine.
# --format docker: the OCI format has no HEALTHCHECK; the docker format keeps it.
"${BUILDAH[@]}" bud --isolation chroot --layers --format docker \
  --build-arg NODE_IMAGE="$BASE" -t "$IMAGE" . >&2
phase "image $IMAGE built"

# The image's own config (docker format): HEALTHCHECK, CMD and USER, as a runtime would read them.
config=$("${BUILDAH[@]}" inspect --type image "$IMAGE")
field() { node -e 'const c=JSON.parse(require("fs").readFileSync(0,"utf8")).Docker.config;const v=eval("c."+process.argv[1]);for(const a of [].concat(v??[]))process.stdout.write(a+"\0")' "$1" <<<"$config"; }
mapfile -d '' -t health < <(field Healthcheck?.Test)
mapfile -d '' -t cmd < <(field Cmd)
mapfile -d '' -t user < <(field User)
[[ ${health[0]:-} == CMD ]] || fail "image has no exec-form HEALTHCHECK (got: ${health[*]:-none})"
health=("${health[@]:1}")
[[ ${user[0]:-} == node ]] || fail "image runs as '${user[*]:-root}', expected the unprivileged node user"
((${#cmd[@]} > 0)) || fail "image has no CMD"

# A free port on the host: chroot isolation shares the host's network.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
ctr=$("${BUILDAH[@]}" from "$IMAGE")
svc_pid=
logfile=$(mktemp /tmp/hl-ingest-image.XXXXXX.log)
cleanup() {
  [[ -n $svc_pid ]] && kill "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null
  "${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true
  # Each build leaves its build stage (about 1.6 GB with vfs) and the previous tagged image
  # untagged; without this, every run kept about 1.8 GB until the disk filled (69 GB after a
  # day of CI runs). The price is a cold layer cache for the next local build.
  "${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "starting ${cmd[*]} (INGEST_HTTP_PORT=$port, log $logfile)"
"${BUILDAH[@]}" run --isolation chroot --env INGEST_HTTP_PORT="$port" "$ctr" -- "${cmd[@]}" >"$logfile" 2>&1 &
svc_pid=$!

deadline=$((SECONDS + 60))
until body=$(node -e 'fetch(process.argv[1]).then(async r=>{const t=await r.text();console.log(r.status+" "+t);process.exit(r.ok?0:1)},()=>process.exit(1))' "http://127.0.0.1:$port/health" 2>/dev/null); do
  kill -0 "$svc_pid" 2>/dev/null || { tail -30 "$logfile" >&2; fail "the service exited before /health answered"; }
  ((SECONDS < deadline)) || { tail -30 "$logfile" >&2; fail "/health did not answer within 60 s"; }
  sleep 0.5 # polling an external process; there is no event to wait on
done
phase "/health answered: $body"

"${BUILDAH[@]}" run --isolation chroot --env INGEST_HTTP_PORT="$port" "$ctr" -- "${health[@]}" ||
  fail "the image's HEALTHCHECK command failed against the running service"
phase "HEALTHCHECK passed"

# SIGTERM to the service's node process, as a container runtime sends STOPSIGNAL to PID 1
# (buildah run itself answers a signal by killing its child). Ordered shutdown exits 0, and
# buildah run passes that status on.
node_pid=$(node -e '
  const fs = require("fs");
  // buildah is a Go program: any of its threads may fork, so read the children list of every task.
  const kids = (p) => { try { return fs.readdirSync(`/proc/${p}/task`).flatMap((t) => fs.readFileSync(`/proc/${p}/task/${t}/children`, "utf8").split(" ").filter(Boolean)); } catch { return []; } };
  const queue = [process.argv[1]];
  while (queue.length) { const p = queue.shift();
    if (p !== process.argv[1] && fs.readFileSync(`/proc/${p}/comm`, "utf8").trim() === "node") { console.log(p); break; }
    queue.push(...kids(p)); }' "$svc_pid")
[[ -n $node_pid ]] || fail "could not find the service's node process under buildah run ($svc_pid)"
kill -TERM "$node_pid"
rc=0
wait "$svc_pid" || rc=$?
svc_pid=
((rc == 0)) || { tail -30 "$logfile" >&2; fail "SIGTERM: the service exited $rc, expected 0"; }
grep -q '"msg":"stopped"' "$logfile" || { tail -10 "$logfile" >&2; fail "SIGTERM: no shutdown line in the service log"; }
phase "SIGTERM: ordered exit 0"

npx tsx scripts/image/validate-k8s.ts >&2
phase "deploy/k8s validated"
rm -f "$logfile"
log "passed"
