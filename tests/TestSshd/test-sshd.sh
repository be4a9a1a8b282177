#!/usr/bin/env bash
# A throw-away OpenSSH server for tests and benchmarks, the same recipe as tests/SyncEngine.TestSupport/SshdServer.cs:
# /usr/sbin/sshd on 127.0.0.1 and a free high port, with its own sshd_config, host key, client key, authorized_keys,
# known_hosts, pid file and log under one folder (`Subsystem sftp internal-sftp`, `UsePAM no`, key login only). The
# system's sshd and its configuration are never touched. The user who logs in is the one running this script (root
# too: `PermitRootLogin prohibit-password`).
#
#   test-sshd.sh start DIR [--no-shell]   make DIR, start the server; print KEY=VALUE lines (below) on stdout
#   test-sshd.sh stop DIR                 stop the server started in DIR (its sessions end with their clients)
#
# Printed by start (also written to DIR/env):
#   SSHD_DIR SSHD_HOST SSHD_PORT SSHD_USER SSHD_KEY (client private key) SSHD_KNOWN_HOSTS SSHD_PID SSHD_LOG
#
# --no-shell adds `ForceCommand internal-sftp`: SFTP only, no exec channel (no remote shell command runs).
# Exit codes: 0 started/stopped; 3 sshd or ssh-keygen missing (the caller skips, with the message on stderr);
# 1 anything else.
set -euo pipefail

sshd=/usr/sbin/sshd
cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR [--no-shell]" >&2
    exit 1
fi

case "$cmd" in
stop)
    if [ -f "$dir/sshd.pid" ]; then
        pid="$(cat "$dir/sshd.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        rm -f "$dir/sshd.pid"
    fi
    exit 0
    ;;
start) ;;
*)
    echo "$0: unknown command '$cmd' (start or stop)" >&2
    exit 1
    ;;
esac

no_shell=0
[ "${3:-}" = "--no-shell" ] && no_shell=1

if [ ! -x "$sshd" ]; then
    echo "$sshd is not installed (apt-get install -y openssh-server)" >&2
    exit 3
fi
if ! command -v ssh-keygen >/dev/null 2>&1; then
    echo "ssh-keygen is not installed (apt-get install -y openssh-client)" >&2
    exit 3
fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
user="$(id -un)"
for k in ssh_host_ed25519_key client_ed25519; do
    [ -f "$dir/$k" ] || ssh-keygen -q -t ed25519 -N "" -C "syncengine test $k" -f "$dir/$k"
done
cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
# The privilege-separation folder sshd insists on when started as root (harmless if it exists).
[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=""
for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    accepts "$port" && continue
    cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
MaxStartups 64
MaxSessions 32
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
    [ "$no_shell" -eq 0 ] || echo "ForceCommand internal-sftp" >>"$dir/sshd_config"
    rm -f "$dir/sshd.pid"
    # Without -D sshd detaches and writes its pid file once it listens.
    if "$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >/dev/null 2>&1; then
        for _ in $(seq 1 200); do
            if [ -s "$dir/sshd.pid" ] && accepts "$port"; then
                started="$port"
                break
            fi
            sleep 0.05
        done
    fi
    [ -n "$started" ] && break
    [ -s "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
done
if [ -z "$started" ]; then
    echo "sshd did not start: $(tail -3 "$dir/sshd.log" 2>/dev/null | tr '\n' ' ')" >&2
    exit 1
fi

echo "[127.0.0.1]:$started $(cut -d' ' -f1-2 "$dir/ssh_host_ed25519_key.pub")" >"$dir/known_hosts"
cat >"$dir/env" <<EOF
SSHD_DIR=$dir
SSHD_HOST=127.0.0.1
SSHD_PORT=$started
SSHD_USER=$user
SSHD_KEY=$dir/client_ed25519
SSHD_KNOWN_HOSTS=$dir/known_hosts
SSHD_PID=$(cat "$dir/sshd.pid")
SSHD_LOG=$dir/sshd.log
EOF
cat "$dir/env"
