#!/usr/bin/env bash
# A throw-away single-node Ceph cluster (mon, a memstore OSD, radosgw; no cephx) for the Pester suite and the
# benchmarks, the same one tests/SyncEngine.TestSupport/CephServer.cs starts: ../shared/servers/start-ceph.sh (beside
# the repository, or where SYNCENGINE_CEPH_SCRIPTS says) under one folder with its own ceph.conf, on 127.0.0.1 and
# free high ports. The packages' own services are never used.
#
#   test-ceph.sh start DIR                 make DIR, start the cluster; print KEY=VALUE lines (below) on stdout
#   test-ceph.sh stop DIR                  stop the cluster started in DIR and remove DIR
#   test-ceph.sh request DIR METHOD PATH [CURL ARGS...]
#                                          one signed S3 request (curl --aws-sigv4) to the gateway of DIR; the
#                                          answer's body on stdout; exit 22 on an HTTP error
#
# Printed by start (also written to DIR/env):
#   CEPH_DIR CEPH_ENDPOINT CEPH_PORT CEPH_ACCESS_KEY CEPH_SECRET_KEY (the test user's, fixed by start-ceph.sh)
#
# CEPH_MEMSTORE_BYTES (environment) sizes the OSD's memory store (start-ceph.sh's default is 1 GiB); an object
# store in memory holds every byte written, so the largest object that fits is a little under it.
# Exit codes: 0 done; 3 the Ceph packages or start-ceph.sh missing (the caller skips, with the message on stderr);
# 1 anything else.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop|request DIR ..." >&2
    exit 1
fi

access=TESTACCESSKEY
secret=TESTSECRETKEY0123456789
here="$(cd "$(dirname "$0")" && pwd)"
scripts="${SYNCENGINE_CEPH_SCRIPTS:-$here/../../../shared/servers}"

case "$cmd" in
stop)
    if [ -f "$dir/ceph.conf" ]; then
        D="$dir" bash "$scripts/stop-ceph.sh" >/dev/null 2>&1 || true
        rm -rf "$dir"
    fi
    exit 0
    ;;
request)
    method="${3:?method}"
    path="${4:?path}"
    shift 4
    # shellcheck disable=SC1091
    . "$dir/env"
    # HEAD answers with headers only (-I); any other method is sent as given.
    if [ "$method" = HEAD ]; then verb=(-I); else verb=(-X "$method"); fi
    # The key goes to curl on stdin (-K -), never on its command line. RGW wants x-amz-content-sha256, which
    # curl 7.88's --aws-sigv4 does not add itself.
    printf 'user = "%s:%s"\n' "$CEPH_ACCESS_KEY" "$CEPH_SECRET_KEY" |
        curl -sS --fail-with-body -K - --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
            "${verb[@]}" "$@" "$CEPH_ENDPOINT$path"
    exit $?
    ;;
start) ;;
*)
    echo "$0: unknown command '$cmd' (start, stop or request)" >&2
    exit 1
    ;;
esac

if [ ! -f "$scripts/start-ceph.sh" ]; then
    echo "start-ceph.sh was not found in $scripts (../shared/servers beside the repository, or SYNCENGINE_CEPH_SCRIPTS)" >&2
    exit 3
fi
for tool in radosgw ceph-mon ceph-osd monmaptool radosgw-admin curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool is not installed (apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl; .ci/run installs them)" >&2
        exit 3
    fi
done

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        accepts "$p" || { echo "$p"; return; }
    done
}

if [ -n "${CEPH_MEMSTORE_BYTES:-}" ]; then
    export CEPH_ARGS="${CEPH_ARGS:-} --memstore_device_bytes=$CEPH_MEMSTORE_BYTES"
fi

started=""
for _ in 1 2 3; do
    port="$(free_port)"
    if RGW_PORT="$port" MON_PORT="$(free_port)" MON_V2="$(free_port)" D="$dir" bash "$scripts/start-ceph.sh" >"$dir.start.log" 2>&1; then
        started="$port"
        break
    fi
    D="$dir" bash "$scripts/stop-ceph.sh" >/dev/null 2>&1 || true
done
if [ -z "$started" ]; then
    echo "start-ceph.sh failed: $(tail -3 "$dir.start.log" 2>/dev/null | tr '\n' ' ')" >&2
    rm -f "$dir.start.log"
    exit 1
fi
rm -f "$dir.start.log"

cat >"$dir/env" <<EOF
CEPH_DIR=$dir
CEPH_ENDPOINT=http://127.0.0.1:$started
CEPH_PORT=$started
CEPH_ACCESS_KEY=$access
CEPH_SECRET_KEY=$secret
EOF

# The gateway's first request creates its pools (several seconds): done here, before anything is timed.
for _ in $(seq 1 180); do
    "$0" request "$dir" GET / >/dev/null 2>&1 && break
    sleep 0.5
done
cat "$dir/env"
