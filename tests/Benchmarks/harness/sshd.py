"""The benchmark's own OpenSSH server (S8, S9), started with tests/TestSshd/test-sshd.sh.

The script is the one the Pester suite uses, with the recipe of tests/SyncEngine.TestSupport/SshdServer.cs:
/usr/sbin/sshd on 127.0.0.1 and a free high port, its own sshd_config, host key, client key, authorized_keys and
known_hosts under the scratch folder, `Subsystem sftp internal-sftp`, `UsePAM no`. The system's sshd is never
touched. The login user is the one running the harness (root included).
"""

import os
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "TestSshd", "test-sshd.sh")


class TestSshd:
    def __init__(self, folder):
        self.folder = folder
        self.info = None
        self.reason = None

    def start(self):
        """Starts the server; returns None, or why it cannot run (the SFTP tools are then "not available")."""
        if self.info is not None or self.reason is not None:
            return self.reason
        p = subprocess.run(["bash", SCRIPT, "start", self.folder], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, text=True)
        if p.returncode != 0:
            self.reason = "the benchmark sshd could not be started: " + (p.stderr.strip() or f"exit code {p.returncode}")
            return self.reason
        self.info = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        return None

    def stop(self):
        if self.info is not None:
            subprocess.run(["bash", SCRIPT, "stop", self.folder], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.info = None

    @property
    def host(self):
        return self.info["SSHD_HOST"]

    @property
    def port(self):
        return int(self.info["SSHD_PORT"])

    @property
    def user(self):
        return self.info["SSHD_USER"]

    @property
    def key(self):
        return self.info["SSHD_KEY"]

    @property
    def known_hosts(self):
        return self.info["SSHD_KNOWN_HOSTS"]

    @property
    def pid(self):
        return int(self.info["SSHD_PID"])

    def ssh_command(self):
        """The `-e` command for rsync: OpenSSH's client with this server's key and known_hosts, nothing else."""
        return (f"ssh -F /dev/null -i {self.key} -p {self.port} -o UserKnownHostsFile={self.known_hosts} "
                "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes")

    def rclone_env(self, name):
        """RCLONE_CONFIG_<NAME>_* variables that define an sftp remote for this server (no config file)."""
        p = f"RCLONE_CONFIG_{name.upper()}_"
        return {p + "TYPE": "sftp", p + "HOST": self.host, p + "PORT": str(self.port), p + "USER": self.user,
                p + "KEY_FILE": self.key, p + "KNOWN_HOSTS_FILE": self.known_hosts}

    def sftp_url(self, path):
        return f"sftp://{self.user}@{self.host}:{self.port}{path}"

    def io(self):
        """The server's /proc/<pid>/io counters. Linux adds every reaped child's counters to its parent, so once a
        connection's processes have exited, their reads and writes (sftp-server's file I/O included) are here."""
        out = {}
        try:
            with open(f"/proc/{self.pid}/io") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    out[k.strip()] = int(v)
        except (OSError, ValueError):
            pass
        return out

    def children(self):
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def wait_idle(self, timeout=10.0):
        """Waits until no connection's process is left (so its I/O counters have been folded into the server's)."""
        deadline = time.monotonic() + timeout
        while self.children() and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.children()
