using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SyncEngine.State;
using SyncEngine.Storage;
using Xunit.Abstractions;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Issue 9 case 5: copied data is on disk before the journal records the action. Each copy is synced (fsync) before
/// it is renamed into place; every folder whose names changed is synced before the journal lines of the actions
/// that changed it are written; folders holding kept versions (the trash) are synced before the folders of the
/// files that replaced them.
/// </summary>
public class DurabilityTests
{
    private readonly ITestOutputHelper _out;

    public DurabilityTests(ITestOutputHelper output) => _out = output;

    private sealed class Trace : IDisposable
    {
        private readonly string _root;
        private readonly List<(string Step, string What)> _steps = new();

        public Trace(string root)
        {
            _root = root;
            DurabilityTrace.Hook += Note;
        }

        public List<(string Step, string What)> Steps
        {
            get
            {
                lock (_steps)
                {
                    return _steps.ToList();
                }
            }
        }

        private void Note(string step, string what)
        {
            if (what.StartsWith(_root, StringComparison.Ordinal))
            {
                lock (_steps)
                {
                    _steps.Add((step, what));
                }
            }
        }

        public void Dispose() => DurabilityTrace.Hook -= Note;
    }

    private static string Local(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// For every action of a run: the copy's fsync comes before its rename, and each folder it changed is synced
    /// after the change and before the journal line that records it.
    /// </summary>
    private static void AssertOrdered(List<(string Step, string What)> steps, TestPair t, IEnumerable<string> copied, IEnumerable<string> trashed)
    {
        int Index(string step, string what, int after = -1)
        {
            for (var i = after + 1; i < steps.Count; i++)
            {
                if (steps[i].Step == step && steps[i].What == what)
                {
                    return i;
                }
            }

            return -1;
        }

        var journalOf = (string key) => Index("journal", Path.Combine(t.StateDir, key));
        foreach (var key in copied)
        {
            var target = Local(t.Destination, key);
            var fsync = Index("fsync-file", target);
            var rename = Index("rename", target);
            var journal = journalOf(key);
            Assert.True(fsync >= 0, $"'{key}' was never synced to disk");
            Assert.True(rename > fsync, $"'{key}' was renamed into place before its data was synced");
            Assert.True(journal > rename, $"'{key}' has no journal line after its rename");
            var dirSync = Index("fsync-dir", Path.GetDirectoryName(target)!, rename);
            Assert.True(dirSync > rename && dirSync < journal, $"the folder of '{key}' was not synced between its rename ({rename}) and its journal line ({journal}); folder sync at {dirSync}");
        }

        foreach (var key in trashed)
        {
            var journal = journalOf(key);
            var moved = Index("move", Local(t.Destination, key));
            Assert.True(moved >= 0 && journal > moved, $"'{key}' was not moved before its journal line");
            var fromDir = Index("fsync-dir", Path.GetDirectoryName(Local(t.Destination, key))!, moved);
            Assert.True(fromDir > moved && fromDir < journal, $"the folder '{key}' left was not synced before its journal line");
        }
    }

    [Fact]
    public void Copies_and_their_folders_reach_the_disk_before_the_journal_records_them()
    {
        using var t = new TestPair();
        var first = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var key = (i % 3) switch { 0 => $"f{i}.txt", 1 => $"a/f{i}.txt", _ => $"b/c/f{i}.txt" };
            t.Write(SyncSide.Source, key, $"content {i}");
            first.Add(key);
        }

        var pair = PairOf(t, SyncMode.SourceToDestination, transferLimit: 3, maxDeletePercent: 100);
        using (var trace = new Trace(t.Root))
        {
            var run = Run(pair);
            Assert.Equal(0, run.Summary.Failed);
            AssertOrdered(trace.Steps, t, first, Array.Empty<string>());

            // New folders: their own names (in their parents) are synced too.
            Assert.Contains(trace.Steps, s => s.Step == "fsync-dir" && s.What == t.Destination);
            Assert.Contains(trace.Steps, s => s.Step == "fsync-dir" && s.What == Local(t.Destination, "b"));
        }

        // Updates (the old version kept in the trash first), deletions (moved to the trash) and a new deep folder.
        t.Write(SyncSide.Source, "a/f1.txt", "changed 1, longer");
        t.Write(SyncSide.Source, "b/c/f2.txt", "changed 2, longer");
        t.Delete(SyncSide.Source, "f3.txt");
        t.Delete(SyncSide.Source, "a/f4.txt");
        t.Write(SyncSide.Source, "n/m/new.txt", "new deep");
        using (var trace = new Trace(t.Root))
        {
            var run = Run(pair);
            Assert.Equal(0, run.Summary.Failed);
            var steps = trace.Steps;
            AssertOrdered(steps, t, new[] { "a/f1.txt", "b/c/f2.txt", "n/m/new.txt" }, new[] { "f3.txt", "a/f4.txt" });

            // The trash copy of an update is synced before the folder of the file that replaced it.
            foreach (var key in new[] { "a/f1.txt", "b/c/f2.txt" })
            {
                var kept = steps.FindIndex(s => s.Step == "preserve" && s.What.EndsWith(key.Replace('/', Path.DirectorySeparatorChar), StringComparison.Ordinal));
                Assert.True(kept >= 0, $"no trash copy of '{key}'");
                var keptDir = steps.FindIndex(kept, s => s.Step == "fsync-dir" && s.What == Path.GetDirectoryName(steps[kept].What));
                var targetDir = steps.FindIndex(kept, s => s.Step == "fsync-dir" && s.What == Path.GetDirectoryName(Local(t.Destination, key)));
                Assert.True(keptDir >= 0 && keptDir < targetDir, $"the trash folder of '{key}' was not synced before the folder of its replacement");
            }
        }
    }

    private static (int Code, string Output) Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout.Result + stderr);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    private static bool Have(string tool) => Sh("sh", "-c", "command -v " + tool).Code == 0;

    /// <summary>Installs xfsprogs if missing (CI starts on a fresh machine); the reason it cannot, or null.</summary>
    private static string? EnsureXfsTools()
    {
        if (Have("mkfs.xfs") && Have("xfs_io"))
        {
            return null;
        }

        if (!Have("apt-get"))
        {
            return "mkfs.xfs/xfs_io are missing and there is no apt-get to install xfsprogs";
        }

        var (code, output) = Sh("apt-get", "install", "-y", "-qq", "--no-install-recommends", "xfsprogs");
        if (code != 0)
        {
            Sh("apt-get", "update", "-qq");
            (code, output) = Sh("apt-get", "install", "-y", "-qq", "--no-install-recommends", "xfsprogs");
        }

        return Have("mkfs.xfs") && Have("xfs_io") ? null : "xfsprogs could not be installed: " + output.Trim();
    }

    private static string Sha(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s));
    }

    [SkippableFact]
    public void After_a_power_cut_on_xfs_every_file_the_state_records_as_synced_has_its_content()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "needs Linux (an XFS loop image)");
        Skip.IfNot(Sh("id", "-u").Output.Trim() == "0", "needs root to mount a loop image");
        var missing = EnsureXfsTools();
        Skip.If(missing is not null, missing);

        using var t = new TestPair();
        var image = Path.Combine(t.Root, "xfs.img");
        var mnt = Path.Combine(t.Root, "mnt");
        Directory.CreateDirectory(mnt);
        using (var f = new FileStream(image, FileMode.CreateNew))
        {
            f.SetLength(512L << 20);
        }

        var (mk, mkOut) = Sh("mkfs.xfs", "-q", "-f", image);
        Assert.True(mk == 0, "mkfs.xfs failed: " + mkOut);
        var (mounted, mountOut) = Sh("mount", "-o", "loop", image, mnt);
        Skip.If(mounted != 0, "cannot mount a loop image here: " + mountOut.Trim());
        try
        {
            var rng = new Random(9);
            for (var i = 0; i < 300; i++)
            {
                var bytes = new byte[rng.Next(1, 40) * 1024];
                rng.NextBytes(bytes);
                var path = Local(t.Source, $"d{i % 10}/f{i}.bin");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
            }

            var dst = Path.Combine(mnt, "dst");
            var state = Path.Combine(mnt, "state");
            var pair = new SyncPair(t.Source, dst) { Mode = SyncMode.TwoWay, StatePath = state };

            void PowerCutAndCheck(string when)
            {
                // Shut the filesystem down without writing its log (as a power cut would), then mount it again.
                var (down, downOut) = Sh("xfs_io", "-x", "-c", "shutdown", mnt);
                Assert.True(down == 0, "xfs_io shutdown failed: " + downOut);
                Assert.Equal(0, Sh("umount", mnt).Code);
                var (again, againOut) = Sh("mount", "-o", "loop", image, mnt);
                Assert.True(again == 0, "remount failed: " + againOut);

                var load = StateStore.Load(state, pair);
                Assert.NotNull(load.State);
                var wrong = new List<string>();
                foreach (var (key, rec) in load.State!.Records)
                {
                    var copy = Local(dst, key);
                    var original = Local(t.Source, key);
                    if (!File.Exists(copy) || new FileInfo(copy).Length != rec.DestinationSize || Sha(copy) != Sha(original))
                    {
                        wrong.Add($"{key} ({(File.Exists(copy) ? new FileInfo(copy).Length + " bytes" : "missing")})");
                    }
                }

                _out.WriteLine($"{when}: the state records {load.State.Records.Count} files; {wrong.Count} of them are not on disk as recorded");
                Assert.True(wrong.Count == 0, $"{when}: the state says synced for {wrong.Count} files the disk does not hold: {string.Join(", ", wrong.Take(10))}");
            }

            // A first sync into the XFS side, cut right after it returns.
            using (var session = SyncSession.Open(pair))
            {
                var summary = session.Run(null, new ExecuteOptions());
                Assert.Equal(0, summary.Failed);
            }

            PowerCutAndCheck("first sync");

            // Updates over existing files (kept in the trash by hard link), cut again.
            Assert.Equal(0, Sh("sync").Code);
            for (var i = 0; i < 300; i += 3)
            {
                var path = Local(t.Source, $"d{i % 10}/f{i}.bin");
                var bytes = new byte[rng.Next(41, 60) * 1024];
                rng.NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
            }

            using (var session = SyncSession.Open(pair))
            {
                var summary = session.Run(null, new ExecuteOptions());
                Assert.Equal(0, summary.Failed);
            }

            PowerCutAndCheck("updates");
        }
        finally
        {
            if (Sh("umount", mnt).Code != 0)
            {
                Sh("umount", "-l", mnt);
            }
        }
    }
}
