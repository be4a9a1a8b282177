#!/usr/bin/env python3
"""SyncEngine benchmark harness: times our CLI and the usual tools on identical trees.

Run it through tests/Benchmarks/run.sh (which installs the peers first); see
tests/Benchmarks/README.md. Python 3 standard library only.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import ceph
import measure
import sshd
import trees
from targets import LABELS, OURS, ORDER, TITLES

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)                      # tests/Benchmarks
REPO = os.path.dirname(os.path.dirname(BENCH))     # repository root
KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
RCLONE_REMOTE = "benchsftp"   # rclone's sftp remote, defined by RCLONE_CONFIG_BENCHSFTP_* variables
RCLONE_S3 = "benchs3"         # rclone's S3 remote on the harness's RGW, defined by RCLONE_CONFIG_BENCHS3_* variables
CRYPT_REMOTE = "benchcrypt"   # S16: rclone's crypt remote, defined by RCLONE_CONFIG_BENCHCRYPT_* variables
CRYPT_PASSWORD = "benchmark password, not a secret"
GENERATOR_VERSION = 1   # bump when generated content changes (invalidates cached trees)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- sizes

def params(scale):
    """Tree sizes. scale 1 is the reference (the issue's numbers); --quick is scale 10."""
    def d(n, floor=1):
        return max(floor, n // scale)
    return {
        "S1": {"files": d(10_000), "dirs": d(100), "size": 4 * KIB},
        "S2": {"files": d(100_000), "dirs": d(1_000), "size": 1 * KIB},
        "S3": {"files": d(100_000), "dirs": d(1_000), "size": 1 * KIB, "modified": d(1_000)},
        # 2 GiB; 256 MiB with --quick (2.5 GiB / scale, at least 64 MiB, for other scales)
        "S4": {"size": 2 * GIB if scale == 1 else max(64 * MIB, min(2 * GIB, (2560 * MIB // scale) // MIB * MIB))},
        "S5": {"files": d(1_000), "size": 64 * KIB, "other_files": d(1_000), "other_dirs": d(10),
               "other_size": 4 * KIB},
        "S6": {"files": d(10_000), "dirs": d(100), "size": 4 * KIB, "new": d(100), "modified": d(100),
               "conflicts": d(10)},
        "S7": {"files": d(1_000_000), "dirs": d(1_000), "size": 128},
        # S1 and S2 again, with the destination on the harness's own sshd (SFTP).
        "S8": {"files": d(10_000), "dirs": d(100), "size": 4 * KIB},
        "S9": {"files": d(100_000), "dirs": d(1_000), "size": 1 * KIB},
        # S3 (the harness's own Ceph RGW): S1, S2 and S4 again, to and from a bucket.
        "S10": {"files": d(10_000), "dirs": d(100), "size": 4 * KIB},
        "S11": {"files": d(100_000), "dirs": d(1_000), "size": 1 * KIB},
        # 2 GiB; 256 MiB with --quick. The RGW's memstore OSD holds it in memory (sized for it, see ceph.py).
        "S12": {"size": 2 * GIB if scale == 1 else max(64 * MIB, min(2 * GIB, (2560 * MIB // scale) // MIB * MIB))},
        # Watch (issue 14): S14 edits in a 100,000-file tree, S15 a burst of 10,000 new files, IDLE a quiet watcher.
        "S14": {"files": d(100_000), "dirs": d(1_000), "size": 1 * KIB},
        "S15": {"files": d(10_000), "dirs": d(100), "size": 4 * KIB},
        "IDLE": {"files": d(100_000), "dirs": d(1_000), "size": 1 * KIB},
        # S4's file and S1's tree together, to an encrypted destination (rclone's crypt format).
        # Compression (issue 15): text files, ours --compress zstd against zstd -3.
        "Z": {"files": d(10_000), "dirs": d(100), "size": 16 * KIB},
        "S16": {"big": 2 * GIB if scale == 1 else max(64 * MIB, min(2 * GIB, (2560 * MIB // scale) // MIB * MIB)),
                "files": d(10_000), "dirs": d(100), "size": 4 * KIB},
    }


# --------------------------------------------------------------------------- helpers

def sh_join(cmd):
    return " ".join(shlex.quote(str(c)) for c in cmd)


def show_join(cmd):
    """Like sh_join, but leaves the $SCRATCH/$SRC placeholders of display commands unquoted."""
    return " ".join(str(c) if str(c).startswith("$") and " " not in str(c) else shlex.quote(str(c)) for c in cmd)


def first_line(cmd, timeout=20):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        lines = [l.strip() for l in p.stdout.decode("utf-8", "replace").splitlines() if l.strip()]
        return lines[0] if lines and p.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def read_first(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_info(scratch):
    info = {
        "uname": " ".join(platform.uname()),
        "cpu_model": read_first("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "mem_total": read_first("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
        "virtualization": first_line(["systemd-detect-virt"]),
    }
    try:
        p = subprocess.run(["uname", "-a"], stdout=subprocess.PIPE, text=True)
        info["uname"] = p.stdout.strip()
    except OSError:
        pass
    try:
        p = subprocess.run(["df", "-PT", scratch], stdout=subprocess.PIPE, text=True)
        f = p.stdout.splitlines()[1].split()
        info["scratch_fs"] = f"{f[1]} on {f[0]} (mounted at {f[6]}), {int(f[4]) // (1024 * 1024)} GiB free"
    except (OSError, IndexError, ValueError):
        info["scratch_fs"] = None
    # Does this filesystem do reflinks (cp --reflink=auto would then clone, not copy)?
    a, b = os.path.join(scratch, ".reflink-a"), os.path.join(scratch, ".reflink-b")
    with open(a, "wb") as f:
        f.write(b"x" * 4096)
    rc = subprocess.run(["cp", "--reflink=always", a, b], stderr=subprocess.DEVNULL).returncode
    info["reflink"] = rc == 0
    for fn in (a, b):
        if os.path.exists(fn):
            os.unlink(fn)
    return info


def tool_versions(cli):
    v = {
        "rsync": first_line(["rsync", "--version"]),
        "rclone": first_line(["rclone", "version"]),
        "unison": first_line(["unison", "-version"]),
        "cp": first_line(["cp", "--version"]),
        "time": first_line(["/usr/bin/time", "--version"]),
        "dotnet": first_line(["dotnet", "--version"]),
    }
    try:
        p = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "rsync", "rclone", "unison",
                            "coreutils", "time"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        v["debian_packages"] = ", ".join(l for l in p.stdout.splitlines() if l.strip())
    except OSError:
        pass
    if cli:
        v["syncengine"] = first_line([cli, "--version"]) or "(no --version output)"
    return v


def git_describe():
    try:
        p = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty", "--abbrev=12"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return p.stdout.strip() or None
    except OSError:
        return None


def build_cli(work, log_dir):
    """dotnet publish our CLI (Release) into tests/Benchmarks/work/cli. Returns (path, reason)."""
    proj_dir = os.path.join(REPO, "src", "SyncEngine.Cli")
    if not any(f.endswith(".csproj") for f in os.listdir(proj_dir)) if os.path.isdir(proj_dir) else True:
        return None, "src/SyncEngine.Cli has no project yet"
    if not shutil.which("dotnet"):
        return None, "dotnet is not installed"
    out = os.path.join(work, "cli")
    trees.rmtree(out)
    cmd = ["dotnet", "publish", os.path.join("src", "SyncEngine.Cli"), "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", out, "--nologo"]
    log(f"building our CLI: {sh_join(cmd)}")
    env = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")
    rc, text = measure.run_plain(cmd, env=env, cwd=REPO, timeout=1800,
                                 log_path=os.path.join(log_dir, "cli-build.log"))
    exe = os.path.join(out, "syncengine")
    if rc != 0 or not os.path.isfile(exe):
        tail = " | ".join(l.strip() for l in text.splitlines()[-3:])
        return None, f"build failed (rc={rc}; see results/raw log cli-build.log): {tail[:300]}"
    return exe, None


def median(xs):
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------- scenario machinery

class Harness:
    def __init__(self, args):
        self.args = args
        self.scale = args.scale
        self.p = params(self.scale)
        self.scratch = os.path.abspath(args.scratch)
        self.cache = os.path.join(self.scratch, "cache")
        self.cli = args.cli
        self.cli_reason = args.cli_reason
        self.cli_extra = args.cli_arg or []
        self.timeout = args.timeout
        self.home = os.path.join(self.scratch, "home")
        for d in (self.home, self.cache):
            os.makedirs(d, exist_ok=True)
        env = dict(os.environ)
        # Keep every tool's dot-files, caches and default state out of the real home.
        env.update(HOME=self.home, XDG_CACHE_HOME=os.path.join(self.home, ".cache"),
                   XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                   XDG_STATE_HOME=os.path.join(self.home, ".local", "state"),
                   XDG_DATA_HOME=os.path.join(self.home, ".local", "share"),
                   DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1", LC_ALL="C.UTF-8")
        dotnet = shutil.which("dotnet")
        if dotnet and "DOTNET_ROOT" not in env:
            env["DOTNET_ROOT"] = os.path.dirname(os.path.realpath(dotnet))
        self.env = env
        self.log_dir = args.log_dir
        self.sshd = sshd.TestSshd(os.path.join(self.scratch, "sshd"))
        self.ceph = ceph.TestCeph(os.path.join(self.scratch, "ceph"))

    # commands ---------------------------------------------------------------
    def ours(self, *a):
        return [self.cli] + [str(x) for x in a] + self.cli_extra

    def ours_oneway(self, src, dst, state):
        os.makedirs(state, exist_ok=True)   # the harness creates the (empty) state folder
        return self.ours("sync", src, dst, "--mode", "source-to-destination", "--state-dir", state)

    # SFTP (S8, S9): `dst` is a folder on this machine, reached through the harness's sshd.
    def ours_sftp(self, src, dst, state):
        os.makedirs(state, exist_ok=True)
        s = self.sshd
        return self.ours("sync", src, s.sftp_url(dst), "--mode", "source-to-destination", "--state-dir", state,
                         "--sftp-key", s.key, "--sftp-known-hosts", s.known_hosts)

    def rsync_ssh(self, src, dst, *extra):
        s = self.sshd
        return ["rsync", "-a", "--delete", *extra, "-e", s.ssh_command(), src.rstrip("/") + "/",
                f"{s.user}@{s.host}:{dst.rstrip('/')}/"]

    def rclone_sftp(self, src, dst):
        return ["rclone", "sync", src, f"{RCLONE_REMOTE}:{dst}", "--config", "/dev/null"]

    def sftp_command(self, key, src, dst, state):
        if key == OURS:
            return self.ours_sftp(src, dst, state)
        if key == "rsync-ssh":
            return self.rsync_ssh(src, dst)
        if key == "rsync-ssh-checksum":
            return self.rsync_ssh(src, dst, "--checksum")
        return self.rclone_sftp(src, dst)

    def sftp_env(self):
        return dict(self.env, **self.sshd.rclone_env(RCLONE_REMOTE))

    # S3 (S10-S12): `bucket/prefix` on the harness's RGW; our CLI gets the keys from the AWS chain (environment).
    def ours_s3(self, src, where, state):
        os.makedirs(state, exist_ok=True)
        return self.ours("sync", src, f"s3://{where}", "--mode", "source-to-destination", "--state-dir", state,
                         "--s3-endpoint", self.ceph.endpoint)

    def s3_command(self, key, src, where, state, copy=False):
        if key == OURS:
            return self.ours_s3(src, where, state)
        return ["rclone", "copy" if copy else "sync", src, f"{RCLONE_S3}:{where}", "--config", "/dev/null"]

    def s3_env(self):
        env = dict(self.env, **self.ceph.credentials_env(), **self.ceph.rclone_env(RCLONE_S3))
        # rclone's AWS SDK refuses AWS_CA_BUNDLE with its own HTTP transport (LoadCustomCABundleError); the gateway
        # is plain HTTP on loopback, so no CA is needed by either tool.
        env.pop("AWS_CA_BUNDLE", None)
        return env

    def s3_list(self, where, modtime=False):
        """{key: (size, mtime ns or None)} under bucket/prefix, by rclone's listing (no HEAD unless modtime)."""
        cmd = ["rclone", "lsjson", "-R", "--files-only", "--fast-list", "--config", "/dev/null", f"{RCLONE_S3}:{where}"]
        if not modtime:
            cmd.append("--no-modtime")
        p = subprocess.run(cmd, env=self.s3_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           stdin=subprocess.DEVNULL, timeout=self.timeout)
        if p.returncode != 0:
            return None, p.stderr.strip()[-300:]
        out = {}
        for e in json.loads(p.stdout or "[]"):
            t = e.get("ModTime") if modtime else None
            out[e["Path"]] = (e["Size"], parse_rfc3339_ns(t) if t else None)
        return out, None

    def s3_purge(self, where):
        subprocess.run(["rclone", "purge", "--config", "/dev/null", f"{RCLONE_S3}:{where}"], env=self.s3_env(),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=self.timeout)

    @staticmethod
    def rsync(src, dst, *extra):
        return ["rsync", "-a", "--delete", *extra, src.rstrip("/") + "/", dst.rstrip("/") + "/"]

    @staticmethod
    def rclone_sync(src, dst, *extra):
        return ["rclone", "sync", src, dst, "--config", "/dev/null", *extra]

    def available(self, key):
        if key == OURS:
            return (self.cli is not None and not self.args.no_ours), \
                ("disabled with --no-ours" if self.args.no_ours else self.cli_reason or "not available")
        if key in ("ours-plain", "ours-200ms", "ours-sync"):
            return self.available(OURS)
        exe = {"rsync": "rsync", "rsync-dry-run": "rsync", "rsync-ssh": "rsync", "rsync-ssh-checksum": "rsync",
               "cp": "cp", "unison": "unison", "zstd-3": "zstd"}.get(key, "rclone")
        if key == "rclone-s3" and shutil.which("rclone") is None:
            return False, "rclone is not installed (the S3 scenarios also list and check buckets with it)"
        return (shutil.which(exe) is not None), f"{exe} is not installed"

    def run_scenario(self, sc):
        a = self.args
        rec = {"id": sc.sid, "title": TITLES[sc.sid], "params": sc.prm, "description": sc.description,
               "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "loadavg_before": os.getloadavg(), "tools": {}, "notes": list(sc.notes)}
        keys = []
        for key in sc.tools:
            ok, why = self.available(key)
            rec["tools"][key] = {"label": LABELS[key], "ours": key == OURS, "available": ok,
                                 "reason": None if ok else why, "runs": [], "setup": None}
            if ok:
                keys.append(key)
        sc.keys = keys
        t0 = time.perf_counter()
        log(f"{sc.sid} {TITLES[sc.sid]}: preparing ({json.dumps(sc.prm)})")
        sc.setup(rec)
        rec["prep_s"] = round(time.perf_counter() - t0, 1)
        runnable = [k for k in keys if not rec["tools"][k].get("setup_failed")]
        if hasattr(sc, "run_custom"):
            sc.run_custom(rec)   # a watch scenario measures a live process itself (watchbench.py)
        for r in range(0 if hasattr(sc, "run_custom") else a.runs):
            sc.before_round(r)
            shift = r % len(runnable) if runnable else 0
            order = runnable[shift:] + runnable[:shift]
            for pos, key in enumerate(order):
                sc.before_run(key, r)
                # Untimed: write back what the previous runs left dirty, so no tool pays for another's writeback.
                os.sync()
                cmd = sc.command(key, r)
                rec["tools"][key].setdefault("command", show_join(sc.display_command(key)))
                res = measure.run(cmd, env=sc.env(key), timeout=self.timeout,
                                  log_path=os.path.join(self.log_dir, f"{sc.sid}-{key}-run{r}.log"))
                res["round"], res["position"] = r, pos
                res["loadavg"] = os.getloadavg()[0]
                if res["timed_out"]:
                    res["valid"], res["reason"] = False, f"timed out after {self.timeout}s"
                elif res["rc"] not in sc.ok_codes(key):
                    res["valid"], res["reason"] = False, f"exit code {res['rc']}: {res['output_tail'][-300:].strip()}"
                else:
                    t = time.perf_counter()
                    ok, reason, extra = sc.verify(key, r)
                    res.update(extra)
                    res["valid"], res["reason"] = ok, (reason or None)
                    res["verify_s"] = round(time.perf_counter() - t, 2)
                if res["valid"]:
                    res.pop("output_tail", None)
                rec["tools"][key]["runs"].append(res)
                wb = res.get("write_bytes")
                log(f"{sc.sid} run {r + 1}/{a.runs} {key:<22} {res['wall_s']:9.3f} s  "
                    f"rss {(res.get('maxrss_kib') or 0) / 1024:8.1f} MiB  "
                    f"written {(wb or 0) / MIB:9.2f} MiB  {'ok' if res['valid'] else 'INVALID: ' + str(res['reason'])[:200]}")
                sc.after_run(key, r)
            sc.after_round(r)
        if hasattr(sc, "read_check") and sc.keys:
            sc.read_check(rec)
        sc.teardown()
        rec["loadavg_after"] = os.getloadavg()
        if self.args.quiet_check:
            seen = [x["loadavg"] for t in rec["tools"].values() for x in t["runs"] if x.get("loadavg") is not None]
            # The harness's own run adds about one to the load average: above the limit plus that, someone else ran.
            rec["noisy"] = bool(seen) and max(seen) > busy_limit() + 1
            rec["busy_limit"] = busy_limit()
        rec["total_s"] = round(time.perf_counter() - t0, 1)
        return rec


class Scenario:
    sid = "S?"
    tools = []
    description = ""
    notes = ()

    def __init__(self, h):
        self.h = h
        self.prm = h.p[self.sid]
        self.dir = os.path.join(h.scratch, self.sid)
        self.keys = []

    # defaults
    def env(self, key):
        return self.h.env

    def ok_codes(self, key):
        return (0,)

    def display_command(self, key):
        """The command with scratch paths shortened, for the report."""
        cmd = self.command(key, 0)
        out = []
        for c in cmd:
            c = str(c)
            if self.h.cli and c == self.h.cli:
                c = "syncengine"
            for path, placeholder in self.display_paths():
                c = c.replace(path, placeholder)
            out.append(c)
        return out

    def display_paths(self):
        return [(self.dir + "/", ""), (self.h.scratch + "/", "$SCRATCH/")]

    def setup(self, rec):
        pass

    def before_round(self, r):
        pass

    def before_run(self, key, r):
        pass

    def after_run(self, key, r):
        pass

    def after_round(self, r):
        pass

    def teardown(self):
        if not self.h.args.keep:
            trees.rmtree(self.dir)

    def set_aside(self, path, name):
        """
        Moves a finished run's tree under spent/ instead of deleting it: on ext4 without a journal (this VM's disk)
        inodes freed in the last 60-300 s are skipped one by one when new files are created (recently_deleted), so
        deleting 10,000 files right before the next tool's run made that run pay for the previous one's clean-up and
        the figures depend on the order of the tools. The set-aside trees go with the scenario's folder, untimed.
        """
        spent = os.path.join(self.dir, "spent")
        os.makedirs(spent, exist_ok=True)
        os.rename(path, os.path.join(spent, name))

    def untimed(self, rec, key, cmd, what="setup", env=None):
        """An untimed (for the result) preparation run of a tool; still measured, for the record."""
        res = measure.run(cmd, env=env or self.env(key), timeout=self.h.timeout,
                          log_path=os.path.join(self.h.log_dir, f"{self.sid}-{key}-{what}.log"))
        slim = {k: res.get(k) for k in ("wall_s", "rc", "maxrss_kib", "write_bytes", "timed_out")}
        slim["cmd"] = sh_join(cmd)
        if rec is not None:
            rec["tools"][key].setdefault("untimed", []).append(dict(slim, what=what))
        ok = res["rc"] in self.ok_codes(key) and not res["timed_out"]
        if not ok:
            log(f"{self.sid} {key}: {what} failed (rc={res['rc']}): {res['output_tail'][-300:].strip()}")
        return ok, res

    def fail_setup(self, rec, key, reason):
        rec["tools"][key]["setup_failed"] = True
        rec["tools"][key]["reason"] = reason
        log(f"{self.sid} {key}: setup failed: {reason}")

    def check_tree(self, root, expected, with_hash=True):
        problems = trees.compare(expected, trees.scan(root, with_hash=with_hash), check_hash=with_hash)
        return (not problems), trees.summarize(problems), {}


# ---------------------------------------------------------------- S1 initial copy

class S1(Scenario):
    sid = "S1"
    tools = ["ours", "rsync", "rclone"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"Initial one-way copy of {p['files']:,} files × {p['size'] // KIB} KiB in "
                            f"{p['dirs']:,} folders into an empty destination (fresh, empty destination and "
                            "no state before every run).")

    def setup(self, rec):
        trees.rmtree(self.dir)
        self.src = os.path.join(self.dir, "src")
        p = self.prm
        self.expected = trees.gen_tree(self.src, p["files"], p["dirs"], p["size"], "S1")

    def paths(self, key):
        return os.path.join(self.dir, key, "dst"), os.path.join(self.dir, key, "state")

    def before_run(self, key, r):
        dst, state = self.paths(key)
        trees.rmtree(os.path.join(self.dir, key))
        os.makedirs(dst)

    def command(self, key, r):
        dst, state = self.paths(key)
        if key == OURS:
            return self.h.ours_oneway(self.src, dst, state)
        if key == "rsync":
            return self.h.rsync(self.src, dst)
        return self.h.rclone_sync(self.src, dst)

    def verify(self, key, r):
        return self.check_tree(self.paths(key)[0], self.expected)

    def after_run(self, key, r):
        self.set_aside(os.path.join(self.dir, key), f"{key}-{r}")


# ---------------------------------------------------------------- S2/S3: one big tree, state built once

class BigTree:
    """The 100,000-file tree of S2 and S3 (and S9's); each tool's destination (and state) built by that tool."""

    def __init__(self, h, name="S2S3", sid="S2"):
        self.h = h
        self.dir = os.path.join(h.scratch, name)
        self.sid = sid
        self.ready = False
        self.setup_failed = {}

    def paths(self, key):
        return os.path.join(self.dir, key, "dst"), os.path.join(self.dir, key, "state")

    def command(self, key):
        dst, state = self.paths(key)
        if key == OURS:
            return self.h.ours_oneway(self.src, dst, state)
        if key == "rsync":
            return self.h.rsync(self.src, dst)
        return self.h.rclone_sync(self.src, dst)

    def initial_command(self, key):
        return self.command(key)

    def build(self, sc, rec):
        if not self.ready:
            trees.rmtree(self.dir)
            self.src = os.path.join(self.dir, "src")
            p = self.h.p[self.sid]
            log(f"{sc.sid}: generating {p['files']:,} files")
            self.expected = trees.gen_tree(self.src, p["files"], p["dirs"], p["size"], self.sid)
            self.built, self.settled = set(), set()
            self.ready = True
        for key in sc.keys:
            if key in self.built or key in self.setup_failed:
                if key in self.setup_failed:
                    sc.fail_setup(rec, key, self.setup_failed[key])
                continue
            dst, state = self.paths(key)
            os.makedirs(dst, exist_ok=True)
            log(f"{sc.sid}: building {key}'s destination and state (untimed initial sync)")
            ok, res = sc.untimed(rec, key, self.initial_command(key), "initial-sync")
            if ok:
                good, why, _ = sc.check_tree(dst, self.expected)
                if not good:
                    ok, res = False, {"output_tail": "initial sync produced a wrong tree: " + why}
            if not ok:
                self.setup_failed[key] = "untimed initial sync failed: " + res["output_tail"][-300:].strip()
                sc.fail_setup(rec, key, self.setup_failed[key])
            else:
                self.built.add(key)
        # A second untimed pass, so that every tool's first timed run is a true steady state.
        for key in sc.keys:
            if key in self.built and key not in self.settled:
                sc.untimed(rec, key, self.command(key), "settle")
                self.settled.add(key)

    def drop(self):
        if not self.h.args.keep:
            trees.rmtree(self.dir)
        self.ready = False


class S2(Scenario):
    sid = "S2"
    tools = ["ours", "rsync", "rclone"]

    def __init__(self, h, big, s3_follows):
        super().__init__(h)
        self.big, self.s3_follows = big, s3_follows
        p = self.prm
        self.description = (f"No-change re-sync of {p['files']:,} files × {p['size'] // KIB} KiB in {p['dirs']:,} "
                            "folders. Each tool's destination (and state) was built by that tool beforehand "
                            "(untimed initial sync plus one untimed no-change pass).")

    def setup(self, rec):
        self.big.build(self, rec)

    def command(self, key, r):
        return self.big.command(key)

    def display_paths(self):
        return [(self.big.dir + "/", ""), (self.h.scratch + "/", "$SCRATCH/")]

    def verify(self, key, r):
        return self.check_tree(self.big.paths(key)[0], self.big.expected)

    def teardown(self):
        if not self.s3_follows:
            self.big.drop()


class S3(Scenario):
    sid = "S3"
    tools = ["ours", "rsync", "rclone"]

    def __init__(self, h, big):
        super().__init__(h)
        self.big = big
        p = self.prm
        self.description = (f"The S2 tree ({p['files']:,} files) with {p['modified']:,} files modified (new size "
                            "and content, newer mtime) before each round; every round modifies a different "
                            "set of files, identically for all tools (each tool keeps its own destination and "
                            "state from round to round, as in real use).")

    def setup(self, rec):
        self.big.build(self, rec)
        n = self.prm["files"]
        order = list(range(n))
        trees.rng("S3-perm").shuffle(order)
        self.order = order

    def before_round(self, r):
        m, n = self.prm["modified"], self.prm["files"]
        rnd = trees.rng("S3", r)
        for j in range(m):
            i = self.order[(r * m + j) % n]
            rel = trees.file_rel(i, n, self.prm["dirs"])
            old = self.big.expected[rel][0]
            data = rnd.randbytes(old + 1 + rnd.randrange(1024))
            self.big.expected[rel] = trees.write_file(os.path.join(self.big.src, rel), data,
                                                      trees.T0 + 30 * 86400 + r * 10_000 + j)

    def command(self, key, r):
        return self.big.command(key)

    def display_paths(self):
        return [(self.big.dir + "/", ""), (self.h.scratch + "/", "$SCRATCH/")]

    def verify(self, key, r):
        return self.check_tree(self.big.paths(key)[0], self.big.expected)

    def teardown(self):
        self.big.drop()


# ---------------------------------------------------------------- S4 one big file

class S4(Scenario):
    sid = "S4"
    tools = ["ours", "cp", "rsync", "rclone"]

    def __init__(self, h):
        super().__init__(h)
        size = self.prm["size"]
        self.description = (f"One {f'{size / GIB:g} GiB' if size >= GIB else f'{size // MIB} MiB'} file copied into an empty destination (fresh before every "
                            "run); `cp` is the physical reference.")

    def setup(self, rec):
        trees.rmtree(self.dir)
        size = self.prm["size"]
        cdir = os.path.join(self.h.cache, f"S4-{size}-v{GENERATOR_VERSION}")
        marker = os.path.join(cdir, "manifest.json")
        self.src = os.path.join(cdir, "src")
        big = os.path.join(self.src, "big.bin")
        self.expected = None
        if os.path.exists(marker) and os.path.exists(big):
            with open(marker) as f:
                m = json.load(f)
            st = os.stat(big)
            if st.st_size == m["big.bin"][0] and st.st_mtime_ns == m["big.bin"][1]:
                self.expected = {k: tuple(v) for k, v in m.items()}
                log(f"S4: reusing cached {size / MIB:g} MiB file")
        if self.expected is None:
            trees.rmtree(cdir)
            log(f"S4: generating a {size / MIB:g} MiB file")
            self.expected = {"big.bin": trees.gen_big_file(big, size, "S4")}
            with open(marker, "w") as f:
                json.dump(self.expected, f)

    def paths(self, key):
        return os.path.join(self.dir, key, "dst"), os.path.join(self.dir, key, "state")

    def before_run(self, key, r):
        trees.rmtree(os.path.join(self.dir, key))
        os.makedirs(self.paths(key)[0])

    def after_run(self, key, r):
        # Delete the 2 GiB copy as soon as it is verified: left in the page cache until this tool's next round, the
        # copies of all four tools squeezed free memory, and whichever run came next paid for reclaiming it.
        trees.rmtree(os.path.join(self.dir, key))

    def command(self, key, r):
        dst, state = self.paths(key)
        if key == OURS:
            return self.h.ours_oneway(self.src, dst, state)
        if key == "cp":
            return ["cp", "--reflink=auto", "-p", os.path.join(self.src, "big.bin"), os.path.join(dst, "big.bin")]
        if key == "rsync":
            return self.h.rsync(self.src, dst)
        return self.h.rclone_sync(self.src, dst)

    def display_paths(self):
        return [(self.src, "$SRC")] + super().display_paths()

    def verify(self, key, r):
        return self.check_tree(self.paths(key)[0], self.expected)

    def after_run(self, key, r):
        trees.rmtree(os.path.join(self.dir, key))


# ---------------------------------------------------------------- S5 renamed folder

class S5(Scenario):
    sid = "S5"
    tools = ["ours", "rclone-track-renames", "rsync"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"A folder of {p['files']:,} files × {p['size'] // KIB} KiB is renamed in the source "
                            f"(beside an unchanged folder tree of {p['other_files']:,} files × "
                            f"{p['other_size'] // KIB} KiB); each round renames it again. Bytes written show "
                            "whether the tool renamed (≈ 0) or copied (≈ the folder's size).")

    def setup(self, rec):
        trees.rmtree(self.dir)
        self.src = os.path.join(self.dir, "src")
        p = self.prm
        exp = trees.gen_tree(self.src, p["files"], 1, p["size"], "S5-album", prefix="album-")
        # the album lives in album-0000/; rename round r: album-{r} -> album-{r+1}
        other = trees.gen_tree(os.path.join(self.src, "other"), p["other_files"], p["other_dirs"],
                               p["other_size"], "S5-other")
        exp.update({"other/" + k: v for k, v in other.items()})
        self.expected = exp
        for key in self.keys:
            dst, state = self.paths(key)
            os.makedirs(dst)
            ok, res = self.untimed(rec, key, self.command(key, -1), "initial-sync")
            if ok:
                good, why, _ = self.check_tree(dst, self.expected)
                if not good:
                    ok, res = False, {"output_tail": "wrong tree: " + why}
            if not ok:
                self.fail_setup(rec, key, "untimed initial sync failed: " + res["output_tail"][-300:].strip())

    def paths(self, key):
        return os.path.join(self.dir, key, "dst"), os.path.join(self.dir, key, "state")

    def before_round(self, r):
        old, new = f"album-{r:04d}", f"album-{r + 1:04d}"
        os.rename(os.path.join(self.src, old), os.path.join(self.src, new))
        self.expected = {(new + k[len(old):] if k.startswith(old + "/") else k): v
                         for k, v in self.expected.items()}

    def command(self, key, r):
        dst, state = self.paths(key)
        if key == OURS:
            return self.h.ours_oneway(self.src, dst, state)
        if key == "rsync":
            return self.h.rsync(self.src, dst)
        return self.h.rclone_sync(self.src, dst, "--track-renames")

    def verify(self, key, r):
        return self.check_tree(self.paths(key)[0], self.expected)


# ---------------------------------------------------------------- S6 two-way with conflicts

class S6(Scenario):
    sid = "S6"
    tools = ["ours", "unison", "rclone-bisync"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"Two replicas of {p['files']:,} files × {p['size'] // KIB} KiB in {p['dirs']:,} folders, "
                            f"synchronized beforehand by each tool (untimed). Before each round, on each side: "
                            f"{p['new']} new files and {p['modified']} modified files, plus {p['conflicts']} file(s) "
                            "modified differently on both sides (the destination's edit is newer). Valid only "
                            "if every non-conflicting change reached both sides and both versions of every "
                            "conflicting file still exist somewhere. After each timed round every tool runs "
                            "once more untimed so the next round starts from a settled pair.")
        self.notes = ["unison runs with `-prefer newer -copyonconflict` (the losing version is kept as "
                      "`NAME (conflict on DATE)`); rclone bisync (1.60) keeps both versions as `NAME..path1` / "
                      "`NAME..path2` on both sides; ours runs `--conflict keep-both`."]

    def d(self, key, *rest):
        return os.path.join(self.dir, key, *rest)

    def env(self, key):
        if key == "unison":
            return dict(self.h.env, UNISON=self.d(key, "unison-archive"))
        return self.h.env

    def command(self, key, r, resync=False):
        a, b = self.d(key, "A"), self.d(key, "B")
        if key == OURS:
            os.makedirs(self.d(key, "state"), exist_ok=True)
            return self.h.ours("sync", a, b, "--mode", "two-way", "--conflict", "keep-both",
                               "--state-dir", self.d(key, "state"))
        if key == "unison":
            return ["unison", a, b, "-batch", "-auto", "-times", "-prefer", "newer", "-copyonconflict",
                    "-log=false", "-ui", "text"]
        cmd = ["rclone", "bisync", a, b, "--workdir", self.d(key, "bisync-workdir"), "--config", "/dev/null"]
        return cmd + (["--resync"] if resync else [])

    def setup(self, rec):
        trees.rmtree(self.dir)
        p = self.prm
        base = os.path.join(self.dir, "base")
        self.expected = trees.gen_tree(base, p["files"], p["dirs"], p["size"], "S6")
        order = list(range(p["files"]))
        trees.rng("S6-perm").shuffle(order)
        self.order = order
        self.per_round = 2 * p["modified"] + p["conflicts"]
        self.allowed_extra = set()    # content hashes of conflict versions (copies may appear anywhere)
        for key in self.keys:
            os.makedirs(self.d(key))
            for side in ("A", "B"):
                subprocess.run(["cp", "-a", base, self.d(key, side)], check=True)
            log(f"S6: untimed initial sync of {key}")
            ok, res = self.untimed(rec, key, self.command(key, -1, resync=True), "initial-sync")
            if ok:
                for side in ("A", "B"):
                    good, why, _ = self.check_tree(self.d(key, side), self.expected)
                    if not good:
                        ok, res = False, {"output_tail": f"side {side} wrong after initial sync: {why}"}
            if not ok:
                self.fail_setup(rec, key, "untimed initial sync failed: " + res["output_tail"][-300:].strip())
        trees.rmtree(base)

    def before_round(self, r):
        p, n = self.prm, self.prm["files"]
        if (r + 1) * self.per_round > n:
            raise SystemExit(f"S6: too many runs for the tree size ({n} files, {self.per_round} per round)")
        picks = self.order[r * self.per_round:(r + 1) * self.per_round]
        a_mod, b_mod = picks[:p["modified"]], picks[p["modified"]:2 * p["modified"]]
        confl = picks[2 * p["modified"]:]
        rnd = trees.rng("S6", r)
        t = trees.T0 + 30 * 86400 + r * 10_000
        ops = {"A": [], "B": []}   # (rel, data, mtime)
        new_expected = {}
        for side, mods in (("A", a_mod), ("B", b_mod)):
            for j, i in enumerate(mods):
                rel = trees.file_rel(i, n, p["dirs"])
                ops[side].append((rel, rnd.randbytes(p["size"] + 1 + rnd.randrange(2048)), t + j))
            for k in range(p["new"]):
                rel = f"d{rnd.randrange(p['dirs']):04d}/{side.lower()}-new-r{r:03d}-{k:04d}.bin"
                ops[side].append((rel, rnd.randbytes(1 + rnd.randrange(2 * p["size"])), t + 500 + k))
        self.round_conflicts = []
        for j, i in enumerate(confl):
            rel = trees.file_rel(i, n, p["dirs"])
            da = rnd.randbytes(p["size"] + 1 + rnd.randrange(2048))
            db = rnd.randbytes(p["size"] + 1 + rnd.randrange(2048))
            ops["A"].append((rel, da, t + 1000 + j))
            ops["B"].append((rel, db, t + 5000 + j))      # the destination's edit is newer
            self.round_conflicts.append((rel, trees.hashlib.sha256(da).hexdigest(),
                                         trees.hashlib.sha256(db).hexdigest()))
        for key in self.keys:
            for side in ("A", "B"):
                root = self.d(key, side)
                for rel, data, mt in ops[side]:
                    new_expected[rel] = trees.write_file(os.path.join(root, rel), data, mt)
        for rel, ha, hb in self.round_conflicts:
            new_expected.pop(rel, None)
            self.allowed_extra.update((ha, hb, self.expected[rel][2]))
            del self.expected[rel]
        self.expected.update(new_expected)

    def verify(self, key, r):
        problems, found = [], set()
        extras = 0
        for side in ("A", "B"):
            full = trees.scan(self.d(key, side), skip_tool_dirs=False)
            found.update(v[2] for v in full.values())
            visible = {k: v for k, v in full.items() if not set(k.split("/")[:-1]) & trees.TOOL_DIRS}
            # Files beyond the expected set are allowed only if they hold a conflict version
            # (unison's and rclone's conflict copies, ours' keep-both copies).
            for rel in list(visible.keys() - self.expected.keys()):
                if visible[rel][2] in self.allowed_extra:
                    extras += 1
                    del visible[rel]
            problems += [f"{side}: {p}" for p in trees.compare(self.expected, visible)]
        kept = sum(1 for rel, ha, hb in self.round_conflicts if ha in found and hb in found)
        if kept < len(self.round_conflicts):
            problems.append(f"conflict losers kept: {kept}/{len(self.round_conflicts)}")
        return (not problems), trees.summarize(problems), {"losers_kept": kept,
                                                           "conflicts": len(self.round_conflicts),
                                                           "conflict_copies": extras}

    def after_round(self, r):
        for key in self.keys:
            self.untimed(None, key, self.command(key, r), f"settle-{r}")


# ---------------------------------------------------------------- S7 million-file no-change plan

class S7(Scenario):
    sid = "S7"
    tools = ["ours", "rsync-dry-run"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"Planning a no-change sync of {p['files']:,} files ({p['size']} B each, "
                            f"{p['dirs']:,} folders): ours runs `plan` with the state built by an untimed "
                            "`sync`; `rsync --dry-run` (same trees) is shown for reference only. The figure "
                            "that counts is peak RSS ÷ number of files. Verified by a metadata scan "
                            "(nothing may change); contents are not hashed at this size.")

    def setup(self, rec):
        trees.rmtree(self.dir)
        p = self.prm
        cdir = os.path.join(self.h.cache, f"S7-{p['files']}-{p['dirs']}-{p['size']}-v{GENERATOR_VERSION}")
        marker = os.path.join(cdir, "manifest.json")
        self.src = os.path.join(cdir, "src")
        if os.path.exists(marker):
            log("S7: reusing cached source tree")
            with open(marker) as f:
                self.expected = {k: (v[0], v[1], None) for k, v in json.load(f).items()}
        else:
            trees.rmtree(cdir)
            log(f"S7: generating {p['files']:,} files (cached for later runs)")
            m = trees.gen_tree(self.src, p["files"], p["dirs"], p["size"], "S7")
            with open(marker, "w") as f:
                json.dump({k: [v[0], v[1]] for k, v in m.items()}, f)
            self.expected = {k: (v[0], v[1], None) for k, v in m.items()}
            del m
        self.dst, self.state = os.path.join(self.dir, "dst"), os.path.join(self.dir, "state")
        os.makedirs(self.dst)
        built = False
        if OURS in self.keys:
            log("S7: building destination and state with our CLI (untimed sync)")
            ok, res = self.untimed(rec, OURS, self.h.ours_oneway(self.src, self.dst, self.state), "initial-sync")
            if ok:
                good, why, _ = self.check_tree(self.dst, self.expected, with_hash=False)
                if not good:
                    ok, res = False, {"output_tail": "wrong tree: " + why}
            if ok:
                built = True
            else:
                self.fail_setup(rec, OURS, "untimed initial sync failed: " + res["output_tail"][-300:].strip())
        if not built:
            trees.rmtree(self.dst)
            log("S7: building destination with rsync (untimed)")
            subprocess.run(["rsync", "-a", self.src + "/", self.dst + "/"], check=True)
        rec["notes"].append("Destination built by " + ("our CLI's sync." if built else "rsync."))

    def command(self, key, r):
        if key == OURS:
            os.makedirs(self.state, exist_ok=True)
            return self.h.ours("plan", self.src, self.dst, "--mode", "source-to-destination",
                               "--state-dir", self.state)
        return ["rsync", "-a", "--delete", "--dry-run", self.src + "/", self.dst + "/"]

    def display_paths(self):
        return [(self.src, "$SRC")] + super().display_paths()

    def verify(self, key, r):
        return self.check_tree(self.dst, self.expected, with_hash=False)


# ---------------------------------------------------------------- S8/S9: SFTP, against the harness's own sshd

def start_sshd(sc, rec):
    """Starts the harness's sshd (once per harness run); False (every tool's setup failed) when it cannot run."""
    why = sc.h.sshd.start()
    if why:
        for key in sc.keys:
            sc.fail_setup(rec, key, why)
        return False
    rec["notes"].append(f"Server: OpenSSH sshd started by the harness on 127.0.0.1 (tests/TestSshd/test-sshd.sh, "
                        f"`Subsystem sftp internal-sftp`), user {sc.h.sshd.user}; the remote folder is on the "
                        "same disk as the source.")
    return True


class S8(S1):
    sid = "S8"
    tools = ["ours", "rsync-ssh", "rclone-sftp"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"Initial one-way copy of {p['files']:,} files × {p['size'] // KIB} KiB in "
                            f"{p['dirs']:,} folders to SFTP: an empty folder on the harness's own sshd "
                            "(127.0.0.1), fresh and with no state before every run.")
        self.notes = ["rsync runs over OpenSSH's client (`-e ssh`, the same key and known_hosts); rclone uses its "
                      "sftp backend with its defaults (4 transfers, mtime set, hashes checked by remote "
                      "md5sum/sha1sum when the server allows a shell, as this one does)."]

    def setup(self, rec):
        super().setup(rec)
        start_sshd(self, rec)

    def env(self, key):
        return self.h.sftp_env()

    def command(self, key, r):
        dst, state = self.paths(key)
        return self.h.sftp_command(key, self.src, dst, state)

    def display_paths(self):
        s = self.h.sshd
        out = super().display_paths()
        if s.info:
            out = [(str(s.port), "$PORT")] + out
        return out


class SftpBigTree(BigTree):
    def command(self, key):
        dst, state = self.paths(key)
        return self.h.sftp_command(key, self.src, dst, state)

    def initial_command(self, key):
        # rclone keeps no state, and its sftp backend uploads a file in ~0.2 s here (it runs md5sum/sha1sum over
        # ssh after every upload): its copy is made by a local rsync -a (same names, sizes and mtimes, which is all
        # rclone compares), then settled by an untimed rclone run as every tool's is.
        if key == "rclone-sftp":
            dst, _ = self.paths(key)
            return ["rsync", "-a", self.src.rstrip("/") + "/", dst.rstrip("/") + "/"]
        return self.command(key)


def evict(root):
    """Drops the page-cache pages of every file under root (clean pages; call os.sync() first), so that reading a
    file's content afterwards shows in read_bytes. Only these files are touched, nothing system-wide."""
    n = 0
    for dirpath, _, files in os.walk(root):
        for name in files:
            try:
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                n += 1
            finally:
                os.close(fd)
    return n


class S9(S2):
    sid = "S9"
    tools = ["ours", "rsync-ssh", "rclone-sftp"]

    def __init__(self, h):
        super().__init__(h, SftpBigTree(h, "S9", "S9"), False)
        p = self.prm
        self.description = (f"No-change re-sync of {p['files']:,} files × {p['size'] // KIB} KiB in {p['dirs']:,} "
                            "folders to SFTP (the harness's own sshd on 127.0.0.1). Each tool's remote copy (and "
                            "state) was built by that tool beforehand (untimed initial sync plus one untimed "
                            "no-change pass). After the timed runs, an untimed read check: with the file pages of "
                            "both trees evicted from the page cache, one more no-change run of each tool, counting "
                            "what its processes and the sshd serving it read from disk (`read_bytes`); "
                            "`rsync --checksum`, which reads every file on both sides, is the control.")

    def setup(self, rec):
        if start_sshd(self, rec):
            super().setup(rec)

    def env(self, key):
        return self.h.sftp_env()

    def display_paths(self):
        s = self.h.sshd
        out = super().display_paths()
        if s.info:
            out = [(str(s.port), "$PORT")] + out
        return out

    def read_check(self, rec):
        """Per tool: bytes read from disk by its process tree and by the sshd, with cold file pages."""
        s, big = self.h.sshd, self.big
        content = sum(v[0] for v in big.expected.values())
        out = {}
        for key in list(self.keys) + ["rsync-ssh-checksum"]:
            if key != "rsync-ssh-checksum" and key not in big.built:
                continue
            if key == "rsync-ssh-checksum":
                if "rsync-ssh" not in big.built:
                    continue
                dst = big.paths("rsync-ssh")[0]
            else:
                dst = big.paths(key)[0]
            os.sync()
            evict(big.src)
            evict(dst)
            s.wait_idle()
            before = s.io()
            cmd = self.h.sftp_command(key, big.src, dst, big.paths(key if key != "rsync-ssh-checksum" else "rsync-ssh")[1])
            res = measure.run(cmd, env=self.env(key), timeout=self.h.timeout,
                              log_path=os.path.join(self.h.log_dir, f"{self.sid}-{key}-read-check.log"))
            idle = s.wait_idle()
            after = s.io()
            out[key] = {"client_read_bytes": res.get("read_bytes"),
                        "server_read_bytes": (after.get("read_bytes", 0) - before.get("read_bytes", 0)) if after and before else None,
                        "content_bytes": content, "rc": res["rc"], "wall_s": res["wall_s"],
                        "note": ("control: reads every file" if key == "rsync-ssh-checksum" else None)
                        if idle else "the server's session processes had not ended: server figure incomplete"}
            log(f"{self.sid} read check {key:<20} ours-side read {(res.get('read_bytes') or 0) / MIB:8.2f} MiB, "
                f"sshd read {(out[key]['server_read_bytes'] or 0) / MIB:8.2f} MiB (content {content / MIB:.1f} MiB)")
        rec["read_check"] = out

    def teardown(self):
        self.big.drop()


# ---------------------------------------------------------------- S10-S12: S3, against the harness's own Ceph RGW

def parse_rfc3339_ns(text):
    """rclone's ModTime (RFC 3339 with up to 9 fraction digits) as ns since 1970."""
    main, _, frac = text.partition(".")
    tz = ""
    if frac:
        digits = ""
        for i, c in enumerate(frac):
            if not c.isdigit():
                tz = frac[i:]
                break
            digits += c
        frac = digits
    else:
        for sep in ("Z", "+", "-"):
            j = main.rfind(sep)
            if j > 10:
                main, tz = main[:j], main[j:]
                break
    dt = datetime.datetime.fromisoformat(main + (tz if tz and tz != "Z" else "+00:00"))
    return int(dt.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def start_ceph(sc, rec, memstore_bytes=ceph.GIB):
    """Starts the harness's RGW (once per harness run; again, bigger, when a scenario needs a bigger memory store);
    False (every tool's setup failed) when it cannot run."""
    why = sc.h.ceph.start(memstore_bytes)
    if why:
        for key in sc.keys:
            sc.fail_setup(rec, key, why)
        return False
    rec["notes"].append("Server: a single-node Ceph 16 cluster (mon, memstore OSD, radosgw, no cephx) started by the "
                        "harness on 127.0.0.1 (tests/TestCeph/test-ceph.sh), memory store "
                        f"{sc.h.ceph.memstore_bytes / GIB:g} GiB; each tool writes to a bucket of its own. Both "
                        "tools reach it over plain HTTP on loopback, on the same 2 cores as the cluster.")
    return True


def check_bucket(h, where, expected, modtime=False):
    """(ok, reason, extra): the keys under bucket/prefix have exactly the expected names and sizes (and times)."""
    got, err = h.s3_list(where, modtime)
    if got is None:
        return False, "listing failed: " + err, {}
    problems = []
    for rel, v in expected.items():
        if rel not in got:
            problems.append(f"missing {rel}")
        elif got[rel][0] != v[0]:
            problems.append(f"size of {rel}: {got[rel][0]} != {v[0]}")
        elif modtime and (got[rel][1] is None or abs(got[rel][1] - v[1]) > 2 * 1_000_000_000):
            problems.append(f"time of {rel}: {got[rel][1]} != {v[1]}")
    extra = sorted(set(got) - set(expected))
    problems += [f"unexpected {k}" for k in extra[:5]]
    return (not problems), "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""), {}


class S3Scenario(Scenario):
    tools = ["ours", "rclone-s3"]

    def env(self, key):
        return self.h.s3_env()

    def bucket(self, key):
        return f"bench-{self.sid.lower()}-{key}"

    def make_buckets(self, rec):
        for key in self.keys:
            ok, body = self.h.ceph.make_bucket(self.bucket(key))
            if not ok and "BucketAlreadyOwnedByYou" not in body:
                self.fail_setup(rec, key, "creating the bucket failed: " + body.strip()[-300:])

    def display_paths(self):
        out = super().display_paths()
        if self.h.ceph.info:
            out = [(self.h.ceph.endpoint, "$RGW")] + out
        return out


class S10(S3Scenario):
    sid = "S10"

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"Initial upload of {p['files']:,} files × {p['size'] // KIB} KiB in {p['dirs']:,} "
                            "folders to S3 (the harness's own Ceph RGW on 127.0.0.1): a new, empty prefix and no "
                            "state before every run.")
        self.notes = ["rclone uses its S3 backend with its defaults (`rclone copy`: 4 transfers, 8 checkers, the "
                      "time in `mtime` metadata, MD5 checked by the ETag); ours keeps the time under the same key "
                      "and the SHA-256 under `sha256`. Checked after each run: every key with its size, by "
                      "rclone's listing."]

    def setup(self, rec):
        trees.rmtree(self.dir)
        self.src = os.path.join(self.dir, "src")
        p = self.prm
        self.expected = trees.gen_tree(self.src, p["files"], p["dirs"], p["size"], "S10")
        if start_ceph(self, rec):
            self.make_buckets(rec)

    def where(self, key, r):
        return f"{self.bucket(key)}/run{r}"

    def command(self, key, r):
        state = os.path.join(self.dir, key, f"state{r}")
        return self.h.s3_command(key, self.src, self.where(key, r), state, copy=True)

    def before_run(self, key, r):
        trees.rmtree(os.path.join(self.dir, key, f"state{r}"))

    def verify(self, key, r):
        return check_bucket(self.h, self.where(key, r), self.expected)

    def after_run(self, key, r):
        self.h.s3_purge(self.where(key, r))   # untimed: the next run starts from an empty prefix anyway


class S3BigTree(BigTree):
    """S11's tree in a bucket per tool, built by that tool (untimed) and settled by one no-change run."""

    def __init__(self, h):
        super().__init__(h, "S11", "S11")

    def where(self, key):
        return f"bench-s11-{key}/tree"

    def command(self, key):
        return self.h.s3_command(key, self.src, self.where(key), self.paths(key)[1])

    def initial_command(self, key):
        return self.h.s3_command(key, self.src, self.where(key), self.paths(key)[1], copy=True)


class S11(S2):
    sid = "S11"
    tools = ["ours", "rclone-s3"]

    def __init__(self, h):
        super().__init__(h, S3BigTree(h), False)
        p = self.prm
        self.description = (f"No-change re-sync of {p['files']:,} files × {p['size'] // KIB} KiB in {p['dirs']:,} "
                            "folders to S3 (the harness's own Ceph RGW on 127.0.0.1). Each tool's bucket (and "
                            "state) was filled by that tool beforehand (untimed initial upload plus one untimed "
                            "no-change pass).")
        self.notes = ["rclone sync compares size and modification time, and on S3 the time is object metadata: "
                      "one HEAD per object (its default, no `--use-server-modtime`); ours compares the listing's "
                      "size, ETag and LastModified with its state and sends no HEAD for an unchanged object. "
                      "Checked after each run: every key with its size, by rclone's listing."]

    def setup(self, rec):
        if start_ceph(self, rec):
            S3Scenario.make_buckets(self, rec)
            super().setup(rec)

    bucket = S3Scenario.bucket
    env = S3Scenario.env

    def display_paths(self):
        out = super().display_paths()
        if self.h.ceph.info:
            out = [(self.h.ceph.endpoint, "$RGW")] + out
        return out

    def check_tree(self, root, expected, with_hash=True):
        key = os.path.basename(os.path.dirname(root))   # BigTree's paths(key)[0] is <dir>/<key>/dst
        return check_bucket(self.h, self.big.where(key), expected)

    def teardown(self):
        for key in self.keys:
            self.h.s3_purge(self.big.where(key))
        self.big.drop()


class S12(S3Scenario):
    sid = "S12"

    def __init__(self, h):
        super().__init__(h)
        size = self.prm["size"]
        self.description = (f"One {f'{size / GIB:g} GiB' if size >= GIB else f'{size // MIB} MiB'} file uploaded "
                            "to S3 (the harness's own Ceph RGW on 127.0.0.1): a new, empty prefix and no state "
                            "before every run. Both tools upload it in parts, in parallel.")
        self.notes = ["rclone: its S3 defaults (multipart above 200 MiB in 5 MiB chunks, 4 parts at once; MD5 of "
                      "the file computed first for its `md5chksum` metadata); ours: multipart above 64 MiB in "
                      "16 MiB parts, 4 at once, the SHA-256 computed while the parts go and set at the end by a "
                      "server-side copy. Checked after each run: key, size and time by rclone's listing."]

    def setup(self, rec):
        trees.rmtree(self.dir)
        size = self.prm["size"]
        cdir = os.path.join(self.h.cache, f"S12-{size}-v{GENERATOR_VERSION}")
        self.src = os.path.join(cdir, "src")
        big = os.path.join(self.src, "big.bin")
        if not (os.path.exists(big) and os.path.getsize(big) == size):
            trees.rmtree(cdir)
            log(f"S12: generating a {size / MIB:g} MiB file")
            trees.gen_big_file(big, size, "S12")
        st = os.stat(big)
        self.expected = {"big.bin": (size, st.st_mtime_ns)}
        # The memory store holds the object being written and what the garbage collector has not reclaimed yet.
        if start_ceph(self, rec, max(ceph.GIB, 3 * size + 512 * MIB)):
            self.make_buckets(rec)

    def where(self, key, r):
        return f"{self.bucket(key)}/run{r}"

    def command(self, key, r):
        return self.h.s3_command(key, self.src, self.where(key, r), os.path.join(self.dir, key, f"state{r}"), copy=True)

    def display_paths(self):
        return [(self.src, "$SRC")] + super().display_paths()

    def verify(self, key, r):
        return check_bucket(self.h, self.where(key, r), self.expected, modtime=True)

    def after_run(self, key, r):
        self.h.s3_purge(self.where(key, r))
        time.sleep(10)   # untimed: let the gateway's garbage collector give the memory back before the next run


# --------------------------------------------------------------------------- main

# ---------------------------------------------------------------- Z: compression against zstd -3

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an they "
         "you were her she there been one all we their has would when if so no what up out who them some could said "
         "file sync state trash version folder server backup copy plan action guard watch batch log restore").split()


class Z(Scenario):
    """Compression (issue 15): ratio and throughput of ours (`--compress zstd`, level 3) and of the zstd CLI (-3)."""
    sid = "Z"
    tools = ["ours", "zstd-3"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"{p['files']:,} text files of about {p['size'] // KIB} KiB (words from a small vocabulary, "
                            f"seeded; {p['dirs']:,} folders) copied compressed into an empty folder: ours with "
                            "`--compress zstd` (level 3; each file a `.zst` frame, or as it is when it does not "
                            "shrink), the zstd CLI with `-3 -r --output-dir-mirror` (also a frame per file). "
                            "Figures: stored bytes ÷ original bytes, and original MiB per second of wall time. "
                            "Checked: every file stored, and 20 of them decompressed by `zstd -d` byte-equal.")

    def setup(self, rec):
        trees.rmtree(self.dir)
        p = self.prm
        self.src = os.path.join(self.dir, "src")
        rnd = trees.rng("Z", "text")
        self.expected = {}
        for i in range(p["files"]):
            rel = trees.file_rel(i, p["files"], p["dirs"], name="t").replace(".bin", ".txt")
            os.makedirs(os.path.join(self.src, os.path.dirname(rel)), exist_ok=True)
            out, size = [], 0
            while size < p["size"]:
                line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(6, 16))) + "\n"
                out.append(line)
                size += len(line)
            self.expected[rel] = trees.write_file(os.path.join(self.src, rel), "".join(out).encode(), trees.T0 + i)
        self.original = sum(v[0] for v in self.expected.values())

    def paths(self, key):
        return os.path.join(self.dir, key, "dst"), os.path.join(self.dir, key, "state")

    def before_run(self, key, r):
        trees.rmtree(os.path.join(self.dir, key))
        os.makedirs(self.paths(key)[0])

    def after_run(self, key, r):
        self.set_aside(os.path.join(self.dir, key), f"{key}-{r}")

    def command(self, key, r):
        dst, state = self.paths(key)
        if key == OURS:
            return self.h.ours_oneway(self.src, dst, state) + ["--compress", "zstd:3"]
        return ["zstd", "-3", "-r", "-q", self.src, "--output-dir-mirror", dst]

    def stored_root(self, key):
        dst = self.paths(key)[0]
        # zstd mirrors the input path under the output folder.
        return dst if key == OURS else os.path.join(dst, self.src.lstrip("/"))

    def verify(self, key, r):
        root = self.stored_root(key)
        stored = trees.scan(root, with_hash=False)
        total = sum(v[0] for v in stored.values())
        missing = [k for k in self.expected if k not in stored and k + ".zst" not in stored]
        if missing:
            return False, f"{len(missing)} files not stored, e.g. {missing[:3]}", {}
        for k in sorted(self.expected)[:: max(1, len(self.expected) // 20)][:20]:
            name = k + ".zst" if k + ".zst" in stored else k
            path = os.path.join(root, name)
            data = subprocess.run(["zstd", "-dc", path], capture_output=True).stdout if name.endswith(".zst") else open(path, "rb").read()
            if hashlib.sha256(data).hexdigest() != self.expected[k][2]:
                return False, f"{name} does not decompress to the original", {}
        return True, "", {"stored_bytes": total, "original_bytes": self.original}


# ---------------------------------------------------------------- S16 encrypted destination

def crypt_size(n):
    """The stored size of an n-byte file in rclone's crypt format: 32-byte header, 16-byte tag per 64 KiB chunk."""
    return 32 + n + 16 * ((n + 65535) // 65536)


class S16(Scenario):
    sid = "S16"
    tools = ["ours", "rclone-crypt", "ours-plain"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        big = p["big"]
        self.description = (f"One {f'{big / GIB:g} GiB' if big >= GIB else f'{big // MIB} MiB'} file and "
                            f"{p['files']:,} files × {p['size'] // KIB} KiB in {p['dirs']:,} folders synced into an "
                            "empty encrypted destination (rclone's crypt format, names encrypted; fresh before every "
                            "run). Peer: rclone copying the same tree to a crypt remote over a folder on the same "
                            "disk. `ours-plain` is our own unencrypted copy of the same tree.")

    def setup(self, rec):
        trees.rmtree(self.dir)
        p = self.prm
        self.src = os.path.join(self.dir, "src")
        self.expected = trees.gen_tree(os.path.join(self.src, "small"), p["files"], p["dirs"], p["size"], "S16")
        self.expected = {"small/" + k: v for k, v in self.expected.items()}
        self.expected["big.bin"] = trees.gen_big_file(os.path.join(self.src, "big.bin"), p["big"], "S16")
        self.stored_total = sum(crypt_size(v[0]) for v in self.expected.values())
        obscured = subprocess.run(["rclone", "obscure", CRYPT_PASSWORD], capture_output=True, text=True)
        self.obscured = obscured.stdout.strip() if obscured.returncode == 0 else None
        if self.obscured is None:
            self.fail_setup(rec, "rclone-crypt", "rclone obscure failed: " + obscured.stderr.strip()[:200])

    def paths(self, key):
        return os.path.join(self.dir, key, "dst"), os.path.join(self.dir, key, "state")

    def env(self, key):
        if key == OURS:
            return dict(self.h.env, SYNCENGINE_CRYPT_PASSWORD=CRYPT_PASSWORD)
        if key == "rclone-crypt":
            v = "RCLONE_CONFIG_" + CRYPT_REMOTE.upper() + "_"
            return dict(self.h.env, **{v + "TYPE": "crypt", v + "REMOTE": self.paths(key)[0],
                                       v + "PASSWORD": self.obscured or "", v + "FILENAME_ENCRYPTION": "standard",
                                       v + "DIRECTORY_NAME_ENCRYPTION": "true"})
        return self.h.env

    def before_run(self, key, r):
        trees.rmtree(os.path.join(self.dir, key))
        os.makedirs(self.paths(key)[0])

    def after_run(self, key, r):
        trees.rmtree(os.path.join(self.dir, key))

    def command(self, key, r):
        dst, state = self.paths(key)
        if key == OURS:
            return self.h.ours_oneway(self.src, dst, state) + ["--encrypt"]
        if key == "ours-plain":
            return self.h.ours_oneway(self.src, dst, state)
        return ["rclone", "copy", self.src, f"{CRYPT_REMOTE}:", "--config", "/dev/null"]

    def display_command(self, key):
        return [c.replace(self.obscured or "\0", "<obscured>") for c in super().display_command(key)]

    def display_paths(self):
        return [(self.src, "$SRC")] + super().display_paths()

    def verify(self, key, r):
        dst = self.paths(key)[0]
        if key == "ours-plain":
            return self.check_tree(dst, self.expected, with_hash=False)
        # Encrypted: no plaintext name may show, and the stored sizes must be the crypt sizes of the plaintexts.
        stored = trees.scan(dst, with_hash=False)
        plain = {seg for k in self.expected for seg in k.split("/")}
        leaked = [k for k in stored if any(seg in plain for seg in k.split("/"))]
        total = sum(v[0] for v in stored.values())
        if leaked:
            return False, f"plaintext names in the destination: {leaked[:3]}", {}
        if len(stored) != len(self.expected) or total != self.stored_total:
            return False, f"{len(stored)} files, {total} bytes stored; expected {len(self.expected)}, {self.stored_total}", {}
        return True, "", {}


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="run.sh", description="SyncEngine benchmarks against rsync, rclone, unison, cp.")
    ap.add_argument("--quick", action="store_true", help="trees ÷10 (S4 256 MiB, S7 100k files), 3 runs")
    ap.add_argument("--scale", type=int, default=None, help="divide every tree size by N (1 = reference)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per tool (default 5; 3 with --quick)")
    ap.add_argument("--scenarios", default=",".join(ORDER), help="comma-separated subset, e.g. S1,S4 (S8, S9: SFTP; S10-S12: S3; S14, S15, IDLE: watch)")
    ap.add_argument("--cli", default=None, help="a prebuilt syncengine executable (skips the build)")
    ap.add_argument("--no-build", action="store_true", help="do not build our CLI; without --cli it is 'not available'")
    ap.add_argument("--no-ours", action="store_true", help="peers only")
    ap.add_argument("--cli-arg", action="append", help="extra argument for every syncengine call (repeatable)")
    ap.add_argument("--scratch", default=os.path.join(BENCH, "work", "scratch"), help="scratch folder for the trees")
    ap.add_argument("--timeout", type=float, default=None, help="seconds before one run is killed (default 3600; 900 with --quick)")
    ap.add_argument("--keep", action="store_true", help="keep the scenario trees after the run")
    ap.add_argument("--quiet-check", action="store_true",
                    help="refuse to start while the 1-minute load average says another job runs (above "
                         "half the cores), and mark every scenario whose runs saw such load as noisy")
    ap.add_argument("--no-report", action="store_true", help="do not regenerate docs/benchmarks.md")
    a = ap.parse_args(argv)
    a.scale = a.scale or (10 if a.quick else 1)
    a.runs = a.runs or (3 if a.scale > 1 else 5)
    a.timeout = a.timeout or (900 if a.scale > 1 else 3600)
    a.scenarios = [s.strip().upper() for s in a.scenarios.split(",") if s.strip()]
    bad = [s for s in a.scenarios if s not in ORDER]
    if bad:
        ap.error(f"unknown scenario(s): {', '.join(bad)}")
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    return a


def busy_limit():
    """The 1-minute load average above which another job is taken to be running: half the cores, at least 1."""
    return max(1.0, (os.cpu_count() or 1) / 2)


def main(argv):
    a = parse_args(argv)
    if a.quiet_check and os.getloadavg()[0] > busy_limit():
        print(f"run.sh: the machine is busy (1-minute load average {os.getloadavg()[0]:.2f} > {busy_limit():g}): "
              "another job is running, so the figures would not be comparable. Try again when it is quiet, or "
              "leave out --quiet-check.", file=sys.stderr)
        return 3
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    raw_dir = os.path.join(BENCH, "results", "raw")
    a.log_dir = os.path.join(raw_dir, f"{stamp}-logs")
    os.makedirs(a.log_dir, exist_ok=True)
    os.makedirs(a.scratch, exist_ok=True)
    work = os.path.join(BENCH, "work")
    a.cli_reason = None
    a.cli_prebuilt = bool(a.cli)
    if a.no_ours:
        a.cli, a.cli_reason = None, "disabled with --no-ours"
    elif a.cli:
        a.cli = os.path.abspath(a.cli)
        if not (os.path.isfile(a.cli) and os.access(a.cli, os.X_OK)):
            a.cli_reason, a.cli = f"--cli {a.cli} is not an executable file", None
    elif a.no_build:
        a.cli_reason = "not built (--no-build) and no --cli given"
    else:
        a.cli, a.cli_reason = build_cli(work, a.log_dir)
    if a.cli:
        log(f"our CLI: {a.cli}")
    else:
        log(f"our CLI is not available: {a.cli_reason}")

    h = Harness(a)
    result = {
        "schema": 1,
        "stamp": stamp,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": os.environ.get("BENCH_COMMAND") or sh_join(["python3", os.path.relpath(__file__, REPO)] + argv),
        "scale": a.scale, "runs": a.runs, "quick": a.scale != 1,
        "machine": machine_info(h.scratch),
        "versions": tool_versions(a.cli),
        "repo_revision": git_describe(),
        "ours": {"available": a.cli is not None, "reason": a.cli_reason, "extra_args": h.cli_extra,
                 "prebuilt": a.cli_prebuilt},
        "scenarios": {},
    }
    out = os.path.join(raw_dir, f"{stamp}.json")
    big = BigTree(h)
    t0 = time.perf_counter()
    for sid in ORDER:
        if sid not in a.scenarios:
            continue
        if sid == "S1":
            sc = S1(h)
        elif sid == "S2":
            sc = S2(h, big, "S3" in a.scenarios)
        elif sid == "S3":
            sc = S3(h, big)
        else:
            import watchbench   # imports this module as `bench` for its base class: loaded here, not at the top
            sc = {"S4": S4, "S5": S5, "S6": S6, "S7": S7, "S8": S8, "S9": S9, "S10": S10, "S11": S11,
                  "S12": S12, "Z": Z, "S14": watchbench.S14, "S15": watchbench.S15, "IDLE": watchbench.Idle,
                  "S16": S16}[sid](h)
        try:
            result["scenarios"][sid] = h.run_scenario(sc)
        except BaseException:
            h.sshd.stop()   # a failing harness leaves no server running
            h.ceph.stop()
            raise
        finally:
            if sid == [x for x in ORDER if x in a.scenarios][-1]:
                h.sshd.stop()
                h.ceph.stop()
        result["elapsed_s"] = round(time.perf_counter() - t0, 1)
        with open(out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
        os.replace(out + ".tmp", out)
        log(f"{sid} done in {result['scenarios'][sid]['total_s']} s; results so far in {os.path.relpath(out, REPO)}")
    log(f"all done in {time.perf_counter() - t0:.0f} s: {os.path.relpath(out, REPO)}")
    if not a.no_report:
        import report
        report.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
