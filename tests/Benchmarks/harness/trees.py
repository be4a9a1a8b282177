"""Deterministic tree generation and content manifests for the benchmark harness.

Every byte and every timestamp comes from a seeded PRNG and fixed epochs, so all
tools see identical trees, and a re-run of the harness produces the same trees.

A manifest maps a relative path ("dir/file", '/'-separated) to a tuple
(size, mtime_ns, sha256-hex or None).
"""

import hashlib
import os
import random
import subprocess

# 2023-11-14 22:13:20 UTC: every generated file's mtime is T0 + a whole number of seconds.
T0 = 1_700_000_000
NS = 1_000_000_000
CHUNK = 4 << 20

# Folders the sync tools keep inside a synced root and that are not user data.
# (.syncengine/ is our engine's own folder: trash, temp files.)
TOOL_DIRS = frozenset({".syncengine"})


def rng(*parts):
    """A PRNG seeded from the given parts (str seeds are hashed with SHA-512: stable across runs)."""
    return random.Random("/".join(str(p) for p in parts))


def write_file(path, data, mtime_s):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)
    os.utime(path, ns=(mtime_s * NS, mtime_s * NS))
    return (len(data), mtime_s * NS, hashlib.sha256(data).hexdigest())


def file_rel(i, n_files, n_dirs, prefix="d", name="f"):
    d = i * n_dirs // n_files
    return f"{prefix}{d:04d}/{name}{i:07d}.bin"


def gen_tree(root, n_files, n_dirs, size, seed, prefix="d", name="f", mtime0=T0):
    """Create n_files files of `size` random bytes spread evenly over n_dirs folders.

    Returns the manifest. File i gets mtime mtime0 + i seconds."""
    os.makedirs(root, exist_ok=True)
    r = rng("tree", seed)
    manifest = {}
    made = set()
    for i in range(n_files):
        rel = file_rel(i, n_files, n_dirs, prefix, name)
        d = rel.rsplit("/", 1)[0]
        if d not in made:
            os.makedirs(os.path.join(root, d), exist_ok=True)
            made.add(d)
        manifest[rel] = write_file(os.path.join(root, rel), r.randbytes(size), mtime0 + i)
    return manifest


def gen_big_file(path, size, seed, mtime_s=T0):
    """One big file of deterministic random bytes (written in 4 MiB chunks)."""
    r = rng("big", seed)
    h = hashlib.sha256()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        left = size
        while left:
            n = min(CHUNK, left)
            block = r.randbytes(n)
            h.update(block)
            view = memoryview(block)
            while view:
                w = os.write(fd, view)
                view = view[w:]
            left -= n
    finally:
        os.close(fd)
    os.utime(path, ns=(mtime_s * NS, mtime_s * NS))
    return (size, mtime_s * NS, h.hexdigest())


def hash_file(path):
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def scan(root, with_hash=True, skip_tool_dirs=True):
    """Manifest of every regular file under root.

    With skip_tool_dirs, folders named in TOOL_DIRS are left out (anywhere in the tree).
    Symbolic links and other non-regular entries are reported as size -1."""
    out = {}
    stack = [("", root)]
    while stack:
        rel, path = stack.pop()
        try:
            it = os.scandir(path)
        except FileNotFoundError:
            continue
        with it:
            for e in it:
                r = f"{rel}{e.name}"
                if e.is_dir(follow_symlinks=False):
                    if skip_tool_dirs and e.name in TOOL_DIRS:
                        continue
                    stack.append((r + "/", e.path))
                elif e.is_file(follow_symlinks=False):
                    st = e.stat(follow_symlinks=False)
                    out[r] = (st.st_size, st.st_mtime_ns, hash_file(e.path) if with_hash else None)
                else:
                    out[r] = (-1, 0, None)
    return out


def compare(expected, actual, check_hash=True, check_mtime=True, tol_ns=2 * NS):
    """Differences between an expected and an actual manifest: a list of short strings."""
    problems = []
    for rel, (size, mtime, h) in expected.items():
        a = actual.get(rel)
        if a is None:
            problems.append(f"missing {rel}")
            continue
        if a[0] != size:
            problems.append(f"size {rel}: {a[0]} != {size}")
        elif check_hash and h is not None and a[2] is not None and a[2] != h:
            problems.append(f"content {rel}")
        elif check_mtime and abs(a[1] - mtime) > tol_ns:
            problems.append(f"mtime {rel}: off by {(a[1] - mtime) / NS:.3f}s")
    for rel in actual.keys() - expected.keys():
        problems.append(f"unexpected {rel}")
    return problems


def summarize(problems, limit=5):
    if not problems:
        return ""
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return f"{len(problems)} difference(s): " + "; ".join(problems[:limit]) + more


def rmtree(path):
    """rm -rf (the coreutils one: much faster than shutil on a million files)."""
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], check=True)
