#!/usr/bin/env bash
# Production-install smoke test: install and run ftpgate the ways users do, from a fresh folder.
#   1. The Dockerfile's final stage, followed outside Docker (test/prod/dockerfile.mjs reads it):
#      npm ci --omit=dev --ignore-scripts, only what the image copies, an unprivileged user,
#      NODE_ENV=production and the image's ENV; every package dist/ imports must be installed and
#      a production dependency; then the gateway against vsftpd from environment variables alone:
#      /healthz, /readyz, a listing, a download, a WebDAV PROPFIND; SIGTERM exits 0.
#      With no site: the demo answers the same checks; FTPGATE_DEMO=0 exits 2 with a one-line hint.
#   2. Where a Docker engine and the base image are available: docker build, the same checks.
#   3. npm pack, the tarball installed into an empty folder, `npx ftpgate` serves the demo.
#   bash test/prod/smoke.sh        (starts its own vsftpd unless FTPGATE_TEST_VSFTPD_URL is set)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/test/prod
if [[ -z ${FTPGATE_TEST_VSFTPD_URL:-} ]]; then exec bash "$root/test/servers/with-vsftpd.sh" bash "$0" "$@"; fi
. "$root/test/servers/common.sh" # free_port

log() { echo "smoke: $*" >&2; }
work=$(mktemp -d /tmp/ftpgate-prod.XXXXXX)
chmod 755 "$work"
# The gateways' HOME: their default data folder (~/.local/state/ftpgate) is this run's own, so no
# other gateway on the machine holds it.
mkdir -m 777 "$work/home"
gateway=
cleanup() {
  if [[ -n $gateway ]] && kill -0 "$gateway" 2>/dev/null; then kill -KILL "$gateway" 2>/dev/null || true; fi
  pkill -KILL -f "$work/npx/node_modules/.bin/ftpgate" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# As the image's non-root user would: an unprivileged account when we are root.
as_user=()
if [[ $(id -u) == 0 ]]; then as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi

# start_gateway DIR LOG ENV...: node dist/cli.js in DIR with only ENV (and PATH, HOME), as the
# unprivileged user; waits for /healthz. Sets $gateway (the node process) and $base.
start_gateway() {
  local dir=$1 out=$2; shift 2
  local port; port=$(free_port)
  base=http://127.0.0.1:$port
  (cd "$dir" && exec env -i PATH="$PATH" HOME="$work/home" "$@" FTPGATE_LISTEN=127.0.0.1:$port "${as_user[@]}" node dist/cli.js) >"$out" 2>&1 &
  gateway=$!
  for _ in $(seq 150); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$gateway" 2>/dev/null || { log "the gateway exited:"; cat "$out" >&2; return 1; }
    sleep 0.1
  done
  log "no answer on $base/healthz:"; cat "$out" >&2; return 1
}
stop_gateway() {
  local out=$1 status=0
  kill -TERM "$gateway"
  wait "$gateway" || status=$?
  gateway=
  [[ $status == 0 ]] || { log "exit status $status after SIGTERM:"; cat "$out" >&2; return 1; }
  if grep -E 'ERR_MODULE_NOT_FOUND|Cannot find (module|package)' "$out" >&2; then log "a module is missing"; return 1; fi
}

# --- 1. the image's steps, outside Docker --------------------------------------------------------
started=$SECONDS
(cd "$root" && node scripts/build.mjs) # the build stage: the dev toolchain bundles src/ into dist/
steps=$(node "$here/dockerfile.mjs" "$root")
app=$work/app
mkdir -m 755 "$app"
image_env=()
while read -r op a b c; do
  case $op in
    COPY)
      # The install runs where the image runs it: after package.json and the lockfile, before the rest.
      mkdir -p "$app/$(dirname "$c")"
      if [[ $c == ./ ]]; then cp -r "$root/$b" "$app/"; else cp -r "$root/$b" "$app/${c#./}"; fi ;;
    RUN)
      log "$a $b $c (in $app)"
      (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) ;;
    ENV) image_env+=("$a") ;;
  esac
done <<<"$steps"
chmod -R a+rX "$app"
log "image steps followed in $((SECONDS - started)) s: $(cd "$app" && ls | tr '\n' ' ')"
node "$here/imports.mjs" "$app"
[[ ! -e $app/node_modules/vitest && ! -e $app/node_modules/typescript ]] || { log "dev dependencies were installed"; exit 1; }

# A file on the vsftpd server, written behind the gateway's back.
seed=$FTPGATE_TEST_VSFTPD_ROOT/smoke
mkdir -p "$seed"
head -c 300000 /dev/urandom >"$seed/payload.bin"
chown -R --reference="$FTPGATE_TEST_VSFTPD_ROOT" "$seed"
cp "$seed/payload.bin" "$work/expected.bin"
chmod 644 "$work/expected.bin"

log "gateway from the image's environment, site from FTPGATE_SITE_FILES alone"
start_gateway "$app" "$work/site.log" "${image_env[@]}" FTPGATE_SITE_FILES="$FTPGATE_TEST_VSFTPD_URL"
node "$here/check.mjs" "$base" files smoke payload.bin "$work/expected.bin"
stop_gateway "$work/site.log"

log "no site: the demo"
start_gateway "$app" "$work/demo.log" "${image_env[@]}"
node "$here/check.mjs" "$base" demo '' Welcome.txt "$root/demo/sample/Welcome.txt"
grep -q -- '--site NAME=' "$work/demo.log" || { log "the demo run does not say how to configure a site"; cat "$work/demo.log" >&2; exit 1; }
stop_gateway "$work/demo.log"

log "no site, FTPGATE_DEMO=0: exit 2 and one line of guidance"
status=0
(cd "$app" && env -i PATH="$PATH" HOME="$work/home" "${image_env[@]}" FTPGATE_DEMO=0 "${as_user[@]}" node dist/cli.js) >"$work/nodemo.log" 2>&1 || status=$?
[[ $status == 2 && $(wc -l <"$work/nodemo.log") == 1 ]] && grep -q -- '--site NAME=' "$work/nodemo.log" ||
  { log "expected exit 2 and one line with the hint, got $status:"; cat "$work/nodemo.log" >&2; exit 1; }
log "ok   $(cat "$work/nodemo.log")"

# --- 2. the image itself, where Docker can build it ----------------------------------------------
base_image=$(grep -m1 -oP '^FROM\s+\K\S+' "$root/Dockerfile")
if ! command -v docker >/dev/null; then
  log "docker build: skipped (no docker command here)"
elif ! docker info >/dev/null 2>&1; then
  log "docker build: skipped (no Docker engine here: docker info cannot reach a daemon)"
elif ! docker image inspect "$base_image" >/dev/null 2>&1 && ! docker pull -q "$base_image" >/dev/null 2>&1; then
  log "docker build: skipped (base image $base_image is not present and cannot be pulled)"
else
  tag=ftpgate-smoke:$$
  docker build -q -t "$tag" "$root" >/dev/null
  port=$(free_port)
  cid=$(docker run -d --rm --network host -e FTPGATE_LISTEN=127.0.0.1:$port -e FTPGATE_SITE_FILES="$FTPGATE_TEST_VSFTPD_URL" "$tag")
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  docker_status=0
  node "$here/check.mjs" "http://127.0.0.1:$port" files smoke payload.bin "$work/expected.bin" || docker_status=$?
  docker stop -t 40 "$cid" >/dev/null || true
  docker image rm "$tag" >/dev/null || true
  [[ $docker_status == 0 ]] || exit 1
  log "docker image: ok"
fi

# --- 3. npm pack, installed into an empty folder, npx ftpgate --------------------------------------
tgz=$(cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$work")
mkdir -m 755 "$work/npx"
(cd "$work/npx" && npm install --no-audit --no-fund "$work/$tgz") >"$work/npm-install.log" 2>&1 ||
  { cat "$work/npm-install.log" >&2; exit 1; }
grep -i 'warn' "$work/npm-install.log" | sed 's/^/smoke: npm install of the tarball: /' >&2 || true
chmod -R a+rX "$work/npx"
port=$(free_port)
base=http://127.0.0.1:$port
(cd "$work/npx" && exec env -i PATH="$PATH" HOME="$work/home" npm_config_cache="$work/npx/.cache" "${as_user[@]}" npx --no-install ftpgate --listen 127.0.0.1:$port) >"$work/npx.log" 2>&1 &
gateway=$!
for _ in $(seq 150); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
node "$here/check.mjs" "$base" demo '' Welcome.txt "$root/demo/sample/Welcome.txt"
kill -TERM "$gateway"; wait "$gateway" || true; gateway=
# npx runs the gateway as its child and does not pass SIGTERM on: stop the gateway itself.
pkill -TERM -f "$work/npx/node_modules/.bin/ftpgate" 2>/dev/null || true
grep -q -- '--site NAME=' "$work/npx.log" || { log "npx ftpgate does not say how to configure a site"; cat "$work/npx.log" >&2; exit 1; }
log "npx ftpgate from $tgz: serves the demo"
log "passed in $((SECONDS - started)) s"
