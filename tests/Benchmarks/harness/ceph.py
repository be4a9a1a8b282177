"""The benchmark's own Ceph RADOS Gateway (S10, S11, S12), started with tests/TestCeph/test-ceph.sh.

The script is the one the Pester suite uses: ../shared/servers/start-ceph.sh (the cluster
tests/SyncEngine.TestSupport/CephServer.cs starts for the xunit suites), a single node (mon, a memstore OSD, radosgw,
no cephx) under the scratch folder with its own ceph.conf, S3 on 127.0.0.1 and a free high port. The packages' own
services are never used. Every tool talks to the same gateway, each in a bucket of its own.

A memstore OSD keeps every object in memory, up to `memstore_device_bytes`; the harness sizes it for the scenario
(CEPH_MEMSTORE_BYTES) and lets the gateway's garbage collector reclaim deleted objects after seconds instead of the
default two hours, so the objects of earlier runs do not fill it.
"""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "TestCeph", "test-ceph.sh")
GIB = 1 << 30


class TestCeph:
    def __init__(self, folder):
        self.folder = folder
        self.info = None
        self.reason = None
        self.memstore_bytes = None

    def start(self, memstore_bytes=GIB):
        """Starts the cluster (once); returns None, or why it cannot run (the S3 scenarios then fail their setup)."""
        if self.info is not None and (self.memstore_bytes or 0) >= memstore_bytes:
            return None
        if self.reason is not None:
            return self.reason
        self.stop()
        env = dict(os.environ)
        env["CEPH_MEMSTORE_BYTES"] = str(int(memstore_bytes))
        # Deleted objects' data is reclaimed by the gateway's garbage collector: within seconds, not hours.
        env["CEPH_ARGS"] = (env.get("CEPH_ARGS", "") + " --rgw_gc_obj_min_wait=5 --rgw_gc_processor_period=5"
                            " --rgw_gc_processor_max_time=5").strip()
        p = subprocess.run(["bash", SCRIPT, "start", self.folder], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, text=True, env=env)
        if p.returncode != 0:
            self.reason = "the benchmark Ceph RGW could not be started: " + (p.stderr.strip() or f"exit code {p.returncode}")
            return self.reason
        self.info = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        self.memstore_bytes = memstore_bytes
        return None

    def stop(self):
        if self.info is not None:
            subprocess.run(["bash", SCRIPT, "stop", self.folder], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.info = None

    def request(self, method, path, *curl_args):
        """One signed S3 request; (ok, body)."""
        p = subprocess.run(["bash", SCRIPT, "request", self.folder, method, path, *curl_args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        return p.returncode == 0, p.stdout

    def make_bucket(self, name):
        return self.request("PUT", "/" + name)

    @property
    def endpoint(self):
        return self.info["CEPH_ENDPOINT"]

    @property
    def port(self):
        return int(self.info["CEPH_PORT"])

    def credentials_env(self):
        """The AWS chain's variables for our CLI (there is no option for a secret)."""
        return {"AWS_ACCESS_KEY_ID": self.info["CEPH_ACCESS_KEY"], "AWS_SECRET_ACCESS_KEY": self.info["CEPH_SECRET_KEY"],
                "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}

    def rclone_env(self, name):
        """RCLONE_CONFIG_<NAME>_* variables that define an S3 remote on this gateway (rclone's defaults otherwise)."""
        p = f"RCLONE_CONFIG_{name.upper()}_"
        return {p + "TYPE": "s3", p + "PROVIDER": "Ceph", p + "ENV_AUTH": "false",
                p + "ACCESS_KEY_ID": self.info["CEPH_ACCESS_KEY"], p + "SECRET_ACCESS_KEY": self.info["CEPH_SECRET_KEY"],
                p + "ENDPOINT": self.endpoint, p + "REGION": "us-east-1"}

    def pids(self):
        out = []
        run = os.path.join(self.folder, "run")
        for name in ("client.rgw.a", "osd.0", "mon.a"):
            try:
                with open(os.path.join(run, name + ".pid")) as f:
                    out.append(int(f.read().strip()))
            except (OSError, ValueError):
                pass
        return out

    def rss_kib(self):
        """The cluster's daemons' resident memory (KiB), for the record."""
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total
