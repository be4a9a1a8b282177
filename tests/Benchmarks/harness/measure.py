"""Run one command and measure it: wall time, peak RSS, bytes written.

The command runs as
    /usr/bin/time -f '%e %M %x' -o TIMEFILE  sh -c '"$@"; rc=$?; <copy /proc/$$/io to IOFILE>; exit $rc' sh CMD...

* Wall time: time.perf_counter() around the whole thing (includes ~2 ms for starting
  /usr/bin/time and sh, the same for every tool); `time`'s own %e (10 ms resolution) is
  kept in the raw results too.
* Peak RSS: `time`'s %M, the ru_maxrss that wait4() reports for sh: the largest resident
  set of any single process of the tree (sh or anything it waited for). A tool that runs
  as several processes (rsync runs three: sender, generator, receiver) has a larger total,
  so a sampler also sums VmRSS over the tool's whole process tree every 50 ms
  (`tree_rss_kib`; shared pages count once per process; runs shorter than the interval
  may be missed, hence it is never reported below %M).
* Bytes written: the `write_bytes` line of /proc/<sh>/io, read by sh after the tool has
  exited and been reaped. Linux adds a reaped child's I/O counters to its parent, so the
  figure covers every process and thread of the tool. write_bytes counts the bytes the
  process caused to be sent to the storage layer, i.e. page-cache pages it dirtied
  (4 KiB granularity; metadata such as directory entries and the journal is not
  included). It is exact per process tree and immune to anything else running on the
  machine, unlike a block-device counter or a free-space delta. A rename writes no data,
  so it shows as (almost) zero; a copy shows as the file sizes. cancelled_write_bytes
  (dirty pages dropped by truncating or deleting before writeback) is kept in the raw
  results; the table shows gross write_bytes.
"""

import collections
import os
import subprocess
import tempfile
import threading
import time

# Only shell builtins after the tool (no extra fork/exec inside the timed window).
SH = '"$@"; rc=$?; while IFS= read -r l; do printf "%s\\n" "$l"; done </proc/$$/io >"$BENCH_IOFILE"; exit $rc'
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE // 1024
    except (OSError, ValueError, IndexError):
        return 0


class _Sampler(threading.Thread):
    """Sums RSS over the processes below `sh` (i.e. the tool's own processes)."""

    def __init__(self, time_pid, interval=0.05):
        super().__init__(daemon=True)
        self.time_pid = time_pid
        self.interval = interval
        self.peak_kib = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(self.interval):
            total = 0
            for sh in _children(self.time_pid):
                todo = _children(sh)
                while todo:
                    p = todo.pop()
                    total += _rss_kib(p)
                    todo.extend(_children(p))
            self.peak_kib = max(self.peak_kib, total)


class _Tail(threading.Thread):
    """Drains the tool's output pipe, keeping the last `limit` bytes."""

    def __init__(self, stream, limit=256 * 1024):
        super().__init__(daemon=True)
        self.stream = stream
        self.limit = limit
        self.chunks = collections.deque()
        self.size = 0
        self.total = 0

    def run(self):
        while True:
            b = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
            if not b:
                break
            self.total += len(b)
            self.chunks.append(b)
            self.size += len(b)
            while self.size - len(self.chunks[0]) >= self.limit:
                self.size -= len(self.chunks.popleft())

    def text(self):
        return b"".join(self.chunks).decode("utf-8", "replace")


def parse_io(text):
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if v.strip().isdigit():
            out[k.strip()] = int(v)
    return out


def run(cmd, env=None, cwd=None, timeout=None, log_path=None, flush=True):
    """Measure one run of `cmd` (a list). Returns a dict (see module doc)."""
    if flush:
        # Write back what earlier steps (preparation, the previous tool) left dirty,
        # so that this tool does not pay for it. Not timed.
        os.sync()
    tmp = tempfile.mkdtemp(prefix="bench-measure-")
    timef = os.path.join(tmp, "time")
    iof = os.path.join(tmp, "io")
    full_env = dict(os.environ if env is None else env)
    full_env["BENCH_IOFILE"] = iof
    argv = ["/usr/bin/time", "-f", "%e %M %x", "-o", timef, "sh", "-c", SH, "sh"] + [str(c) for c in cmd]
    killed = []
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         cwd=cwd, env=full_env, start_new_session=True)

    def kill():
        killed.append(True)
        try:
            os.killpg(p.pid, 9)
        except OSError:
            pass

    # A blocking wait (Popen.wait(timeout=...) polls in steps of up to 50 ms, which would
    # quantize the timings); a timer thread kills the process group on timeout instead.
    timer = threading.Timer(timeout, kill) if timeout else None
    sampler = _Sampler(p.pid)
    tail = _Tail(p.stdout)
    if timer:
        timer.start()
    sampler.start()
    tail.start()
    p.wait()
    t1 = time.perf_counter()
    if timer:
        timer.cancel()
    timed_out = bool(killed)
    sampler.stop.set()
    tail.join(5)
    sampler.join(5)

    res = {"cmd": [str(c) for c in cmd], "wall_s": round(t1 - t0, 6), "rc": p.returncode,
           "timed_out": timed_out, "output_bytes": tail.total}
    try:
        with open(timef) as f:
            last = [l for l in f.read().splitlines() if l.strip()][-1].split()
        res["time_elapsed_s"] = float(last[0])
        res["maxrss_kib"] = int(last[1])
        res["rc"] = int(last[2])
    except (OSError, IndexError, ValueError):
        res["maxrss_kib"] = None
    try:
        with open(iof) as f:
            io = parse_io(f.read())
        res["write_bytes"] = io.get("write_bytes")
        res["cancelled_write_bytes"] = io.get("cancelled_write_bytes")
        res["read_bytes"] = io.get("read_bytes")
        res["wchar"] = io.get("wchar")
    except OSError:
        res["write_bytes"] = None
    res["tree_rss_kib"] = max(sampler.peak_kib, res.get("maxrss_kib") or 0)
    out = tail.text()
    res["output_tail"] = out[-2000:]
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("$ " + " ".join(res["cmd"]) + "\n" + out)
    for fn in (timef, iof):
        try:
            os.unlink(fn)
        except OSError:
            pass
    os.rmdir(tmp)
    return res


def run_plain(cmd, env=None, cwd=None, timeout=None, log_path=None):
    """Run an untimed preparation step; returns (rc, output)."""
    try:
        p = subprocess.run([str(c) for c in cmd], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, cwd=cwd, env=env, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace") + "\n[timed out]"
        rc = -9
    except OSError as e:
        out, rc = str(e), 127
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("$ " + " ".join(str(c) for c in cmd) + "\n" + out)
    return rc, out
