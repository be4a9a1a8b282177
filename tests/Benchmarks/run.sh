#!/usr/bin/env bash
# SyncEngine benchmarks: our CLI side by side with rsync, rclone, unison and cp.
#
#   tests/Benchmarks/run.sh [--quick] [--runs N] [--scenarios S1,S2] [--cli PATH] [--scratch DIR] ...
#
# Installs the peers from apt if missing, builds our CLI (Release) unless --cli is given,
# runs the scenarios and rewrites docs/benchmarks.md and docs/benchmarks-ratios.svg.
# `tests/Benchmarks/run.sh --help` lists every option. See tests/Benchmarks/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

need=()
command -v rsync  >/dev/null 2>&1 || need+=(rsync)
command -v rclone >/dev/null 2>&1 || need+=(rclone)
command -v unison >/dev/null 2>&1 || need+=(unison)
[ -x /usr/bin/time ]              || need+=(time)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
    echo "run.sh: installing ${need[*]} from apt" >&2
    if [ "$(id -u)" -ne 0 ]; then
        sudo=sudo
    else
        sudo=
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cd "$repo"
rel="${here#"$repo"/}"
BENCH_COMMAND="$rel/run.sh${*:+ $*}" exec python3 "$here/harness/bench.py" "$@"
