"""Watch-mode scenarios (issue 14): S14 latency, S15 burst throughput, and the idle watcher's cost.

A watch is a long-lived process, so these scenarios do not time one command per tool. Each starts
`syncengine watch` in the background, waits for its first full sync, then measures against the live
process. The first full sync has ended when the watch says so on stderr ("The first full sync is done").

* S14: one file of a synced tree is rewritten; the time from the write's close to the moment the
  destination holds the new content (polled every 2 ms) is one sample. 20 edits per quiet period
  (the default 2 s, and `--debounce 200ms`); the median is the p50 of the issue. Each edit's batch
  line must not say "(full)": a single edit may not cost a listing of the whole tree.
* S15: a burst of files is created in an empty synced pair under a watch with `--debounce 200ms`; the
  time from the burst's last close to the batch line after which the destination holds every file
  is one run. The reference is one `syncengine sync` of the same files into an empty destination.
* IDLE: a watcher on a synced tree with nothing happening: CPU time over 60 s (utime + stime of the
  process, /proc/PID/stat) and resident memory (VmRSS) per file, beside the same watcher on a
  one-file tree (the runtime's own footprint).

Run records have the harness's usual shape (tools → runs with wall_s, valid, round), so the report
computes medians and ratios the same way.
"""

import os
import re
import subprocess
import threading
import time

import bench
import measure
import trees
from targets import OURS

BATCH = re.compile(r"^batch (\d+)( \(full\))?: ")
READY = "The first full sync is done"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Watcher:
    """`syncengine watch` in the background; its stdout lines are kept with the time each arrived."""

    def __init__(self, h, src, dst, state, extra, log_path):
        os.makedirs(state, exist_ok=True)
        cmd = h.ours("watch", src, dst, "--mode", "source-to-destination", "--state-dir", state, *extra)
        self.cmd = cmd
        self.lines = []            # (perf_counter time, line)
        self.cond = threading.Condition()
        self.log = open(log_path, "w")
        self.ready = None           # when stderr said the first full sync is done
        self.p = subprocess.Popen(cmd, env=h.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, False), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, True), daemon=True)]
        for r in self.readers:
            r.start()

    def _read(self, stream, is_err):
        for line in stream:
            t = time.perf_counter()
            with self.cond:
                self.log.write(("stderr: " if is_err else "") + line)
                if is_err:
                    if READY in line and self.ready is None:
                        self.ready = t
                else:
                    self.lines.append((t, line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_ready(self, timeout):
        """True once the watch said its first full sync is done; False after `timeout` or when it ended."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            while self.ready is None:
                left = deadline - time.perf_counter()
                if left <= 0 or self.p.poll() is not None:
                    return False
                self.cond.wait(min(left, 0.5))
            return True

    def batches(self, since=0):
        """Batch lines after index `since`: [(index, time, number, full)]."""
        with self.cond:
            out = []
            for i, (t, line) in enumerate(self.lines[since:], since):
                m = BATCH.match(line)
                if m:
                    out.append((i, t, int(m.group(1)), bool(m.group(2))))
            return out

    def wait_batch(self, since, timeout):
        """The first batch line after index `since`, or None after `timeout` seconds (or when the watch ended)."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            while True:
                found = self.batches(since)
                if found:
                    return found[0]
                left = deadline - time.perf_counter()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cond.wait(min(left, 0.5))

    def mark(self):
        with self.cond:
            return len(self.lines)

    def cpu_s(self):
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime (fields 14, 15)

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for r in self.readers:
            r.join(timeout=5)
        with self.cond:
            self.log.close()
        return self.p.returncode


class WatchScenarioBase(bench.Scenario):
    """A bench.Scenario whose run_custom replaces the harness's per-tool command loop."""

    def log(self, msg):
        bench.log(f"{self.sid}: {msg}")

    def log_path(self, what):
        return os.path.join(self.h.log_dir, f"{self.sid}-{what}.log")

    def synced_tree(self, rec):
        """src, dst, state: the scenario's tree and its copy with our state built by an untimed sync (None when it failed)."""
        p = self.prm
        trees.rmtree(self.dir)
        src, dst, state = (os.path.join(self.dir, x) for x in ("src", "dst", "state"))
        self.expected = trees.gen_tree(src, p["files"], p["dirs"], p["size"], self.sid)
        os.makedirs(dst)
        rc, out = measure.run_plain(self.h.ours_oneway(src, dst, state), env=self.h.env, timeout=self.h.timeout,
                                    log_path=self.log_path("initial-sync"))
        if rc != 0:
            for key in self.keys:
                rec["tools"][key]["setup_failed"] = True
                rec["tools"][key]["reason"] = f"untimed initial sync failed (rc={rc}): {out[-300:].strip()}"
            return None
        return src, dst, state

    def start(self, rec, key, src, dst, state, extra):
        w = Watcher(self.h, src, dst, state, extra, self.log_path(f"{key}-watch"))
        rec["tools"][key]["command"] = " ".join(
            "syncengine" if c == self.h.cli else c.replace(self.dir + "/", "") for c in map(str, w.cmd))
        if not w.wait_ready(self.h.timeout):
            rc = w.stop()
            rec["tools"][key]["setup_failed"] = True
            rec["tools"][key]["reason"] = f"the watch did not report its first full sync (exit code {rc}); see {self.log_path(key + '-watch')}"
            return None
        return w


# ---------------------------------------------------------------- S14: latency of a single edit

class SyncedTreeScenario(WatchScenarioBase):
    """A watch scenario over the scenario's tree, synced by an untimed sync first; run_on measures."""

    def run_custom(self, rec):
        made = self.synced_tree(rec)
        if made is not None:
            self.run_on(rec, *made)

    def run_on(self, rec, src, dst, state):
        raise NotImplementedError


class S14(SyncedTreeScenario):
    sid = "S14"
    tools = [OURS, "ours-200ms"]
    EDITS = 20

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"A single-file edit in a watched tree of {p['files']:,} files ({p['size'] // 1024} KiB "
                            f"each, {p['dirs']:,} folders), synced by an untimed `sync` first: the time from the "
                            "edit's close to the new content at the destination (polled every 2 ms), "
                            f"{self.EDITS} edits one after another, with the default quiet period (2 s) and with "
                            "`--debounce 200ms`. The median is the p50; an edit whose batch listed the whole tree "
                            "(a \"(full)\" batch) is an invalid sample.")

    def run_on(self, rec, src, dst, state):
        p = self.prm
        rnd = trees.rng("S14", "edits")
        names = sorted(self.expected)
        for key, extra, debounce in ((OURS, [], 2.0), ("ours-200ms", ["--debounce", "200ms"], 0.2)):
            if key not in self.keys:
                continue
            w = self.start(rec, key, src, dst, state, extra)
            if w is None:
                continue
            try:
                for i in range(self.EDITS):
                    rel = names[rnd.randrange(len(names))]
                    data = rnd.randbytes(p["size"])
                    since = w.mark()
                    path, target = os.path.join(src, rel), os.path.join(dst, rel)
                    with open(path, "wb") as f:
                        f.write(data)
                    t0 = time.perf_counter()
                    arrived = None
                    limit = t0 + 30 + 5 * debounce
                    while time.perf_counter() < limit:
                        try:
                            with open(target, "rb") as f:
                                if f.read() == data:
                                    arrived = time.perf_counter()
                                    break
                        except OSError:
                            pass
                        time.sleep(0.002)
                    batch = w.wait_batch(since, 30)
                    run = {"round": i, "position": 0, "loadavg": os.getloadavg()[0]}
                    if arrived is None:
                        run.update(wall_s=time.perf_counter() - t0, valid=False, reason="the edit did not reach the destination in time")
                    elif batch is None:
                        run.update(wall_s=arrived - t0, valid=False, reason="no batch line for the edit")
                    elif batch[3]:
                        run.update(wall_s=arrived - t0, valid=False, reason=f"batch {batch[2]} was a full listing")
                    else:
                        run.update(wall_s=arrived - t0, valid=True, batch=batch[2])
                    rec["tools"][key]["runs"].append(run)
                    self.log(f"{key} edit {i + 1}/{self.EDITS}: {run['wall_s']:.3f} s {'ok' if run['valid'] else run['reason']}")
                    time.sleep(0.3)
                rec["tools"][key]["rss_kib_end"] = w.rss_kib()
            finally:
                w.stop()


# ---------------------------------------------------------------- S15: a burst of new files

class S15(WatchScenarioBase):
    sid = "S15"
    tools = [OURS, "ours-sync"]

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"{p['files']:,} new files ({p['size'] // 1024} KiB each, {p['dirs']:,} folders) created "
                            "in a burst in the source of an empty pair that a watch (`--debounce 200ms`) keeps in "
                            "sync: the time from the burst's last close to the batch line after which the "
                            "destination holds every file. The reference is one `syncengine sync` of the same "
                            "files into an empty destination with no state. A new watch, pair and burst in "
                            "every round; verified by path, size, SHA-256 and mtime.")

    def run_custom(self, rec):
        p = self.prm
        trees.rmtree(self.dir)
        for r in range(self.h.args.runs):
            order = [OURS, "ours-sync"] if r % 2 == 0 else ["ours-sync", OURS]
            for pos, key in enumerate(k for k in order if k in self.keys):
                base = os.path.join(self.dir, f"{key}-{r}")
                src, dst, state = (os.path.join(base, x) for x in ("src", "dst", "state"))
                os.makedirs(src)
                os.makedirs(dst)
                os.sync()
                if key == "ours-sync":
                    expected = trees.gen_tree(src, p["files"], p["dirs"], p["size"], "S15")
                    os.sync()
                    res = measure.run(self.h.ours_oneway(src, dst, state), env=self.h.env, timeout=self.h.timeout,
                                      log_path=self.log_path(f"{key}-run{r}"))
                    rec["tools"][key]["command"] = "syncengine sync SRC DST --mode source-to-destination --state-dir STATE"
                    ok = res["rc"] == 0 and not res["timed_out"]
                    reason = None if ok else f"exit code {res['rc']}"
                    if ok:
                        ok, reason, _ = self.check_tree(dst, expected)
                    res.update(round=r, position=pos, valid=ok, reason=reason or None, loadavg=os.getloadavg()[0])
                    res.pop("output_tail", None)
                    rec["tools"][key]["runs"].append(res)
                    self.log(f"run {r + 1} {key}: {res['wall_s']:.3f} s {'ok' if ok else reason}")
                    self.set_aside(base, f"{key}-{r}")
                    continue
                w = self.start(rec, key, src, dst, state, ["--debounce", "200ms"])
                if w is None:
                    return
                try:
                    since = w.mark()
                    t_start = time.perf_counter()
                    expected = trees.gen_tree(src, p["files"], p["dirs"], p["size"], "S15")
                    t_end = time.perf_counter()
                    done, reason = None, "the files did not all reach the destination in time"
                    deadline = t_end + self.h.timeout
                    while time.perf_counter() < deadline:
                        b = w.wait_batch(since, max(1, deadline - time.perf_counter()))
                        if b is None:
                            break
                        since = b[0] + 1
                        if count_files(dst) >= len(expected):
                            done = b[1]
                            break
                    run = {"round": r, "position": pos, "loadavg": os.getloadavg()[0], "burst_s": round(t_end - t_start, 3)}
                    if done is None:
                        run.update(wall_s=time.perf_counter() - t_end, valid=False, reason=reason)
                    else:
                        ok, why, _ = self.check_tree(dst, expected)
                        run.update(wall_s=max(0.0, done - t_end), valid=ok, reason=why or None,
                                   from_first_write_s=round(done - t_start, 3), batches=len(w.batches()) - 1)
                    rec["tools"][key]["runs"].append(run)
                    self.log(f"run {r + 1} {key}: {run['wall_s']:.3f} s after the burst "
                             f"(burst {run['burst_s']:.3f} s) {'ok' if run['valid'] else run['reason']}")
                finally:
                    w.stop()
                self.set_aside(base, f"{key}-{r}")


def count_files(root):
    n = 0
    for d, subdirs, files in os.walk(root):
        if d == root and ".syncengine" in subdirs:
            subdirs.remove(".syncengine")
        n += sum(1 for f in files if not f.startswith(".syncengine"))
    return n


# ---------------------------------------------------------------- IDLE: a watcher with nothing to do

class Idle(SyncedTreeScenario):
    sid = "IDLE"
    tools = [OURS]
    SETTLE_S = 5
    MEASURE_S = 60

    def __init__(self, h):
        super().__init__(h)
        p = self.prm
        self.description = (f"A watch on a synced tree of {p['files']:,} files ({p['dirs']:,} folders) with nothing "
                            f"happening: CPU time (user + system, /proc/PID/stat) over {self.MEASURE_S} s after "
                            f"{self.SETTLE_S} s of settling, as a share of one core, and resident memory (VmRSS) "
                            "at the end. The same watcher on a one-file tree gives the runtime's own footprint; "
                            "the per-file figure is (RSS − that) ÷ files. One run per round.")

    def run_on(self, rec, src, dst, state):
        p = self.prm
        small = os.path.join(self.dir, "small")
        s_src, s_dst, s_state = (os.path.join(small, x) for x in ("src", "dst", "state"))
        trees.gen_tree(s_src, 1, 1, p["size"], "IDLE-small")
        os.makedirs(s_dst)
        for r in range(self.h.args.runs):
            base_rss = None
            wb = self.start(rec, OURS, s_src, s_dst, s_state, [])
            if wb is not None:
                try:
                    time.sleep(self.SETTLE_S)
                    base_rss = wb.rss_kib()
                finally:
                    wb.stop()
            w = self.start(rec, OURS, src, dst, state, [])
            if w is None:
                return
            try:
                time.sleep(self.SETTLE_S)
                since = w.mark()
                c0, t0 = w.cpu_s(), time.perf_counter()
                time.sleep(self.MEASURE_S)
                c1, t1 = w.cpu_s(), time.perf_counter()
                rss = w.rss_kib()
                extra = w.batches(since)
            finally:
                w.stop()
            cpu_pct = 100.0 * (c1 - c0) / (t1 - t0)
            run = {"round": r, "position": 0, "loadavg": os.getloadavg()[0], "wall_s": round(t1 - t0, 3),
                   "cpu_s": round(c1 - c0, 3), "cpu_pct": round(cpu_pct, 3), "rss_kib": rss,
                   "baseline_rss_kib": base_rss, "files": p["files"], "batches_while_idle": len(extra)}
            run["valid"] = rss is not None and base_rss is not None and not extra
            run["reason"] = None if run["valid"] else ("a batch ran while nothing changed" if extra else "no RSS figure")
            rec["tools"][OURS]["runs"].append(run)
            self.log(f"run {r + 1}: {cpu_pct:.2f} % of a core, RSS {rss} KiB (one-file watcher {base_rss} KiB)")
