using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SyncEngine.Reliability.Tests.Infrastructure;
using SyncEngine.Storage;
using Xunit.Abstractions;

namespace SyncEngine.Reliability.Tests;

/// <summary>
/// Hostile things a real filesystem holds: link loops and links out of the root, FIFOs and devices, unreadable files
/// and folders, very long paths, a huge folder, zero-byte and sparse files.
/// </summary>
public class HostileFilesystemTests
{
    private readonly ITestOutputHelper _out;

    public HostileFilesystemTests(ITestOutputHelper output) => _out = output;

    private static RunOutcome RunWithin(SyncPair pair, TimeSpan limit, IStorageProvider? src = null, IStorageProvider? dst = null)
    {
        var controller = new SyncEngine.Control.SyncController();
        var task = Task.Run(() => Sandbox.Run(pair, src, dst, controller: controller));
        if (!task.Wait(limit))
        {
            // Stop the hung run so it does not spin for the rest of the test session.
            controller.Abort();
            task.Wait(TimeSpan.FromSeconds(30));
            Assert.Fail($"the sync did not finish within {limit.TotalSeconds} s (a hang)");
        }

        return task.Result;
    }

    [Theory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.DestinationToSource)]
    public void Symbolic_link_loops_and_links_out_of_the_root_are_reported_never_followed_nor_deleted(SyncMode mode)
    {
        using var t = new Sandbox();
        var outside = Path.Combine(t.Root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "must stay outside");
        var hostileSide = mode == SyncMode.DestinationToSource ? SyncSide.Destination : SyncSide.Source;
        var root = t.SideRoot(hostileSide);
        t.Write(hostileSide, "ok.txt", "fine");
        Directory.CreateDirectory(Path.Combine(root, "dir"));
        File.CreateSymbolicLink(Path.Combine(root, "dir", "loop"), ".");
        Directory.CreateSymbolicLink(Path.Combine(root, "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(root, "out"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "outfile.txt"), Path.Combine(outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(root, "dangling.txt"), "nowhere/at/all");
        File.CreateSymbolicLink(Path.Combine(root, "self.txt"), "self.txt");

        var run = RunWithin(t.Pair(mode), TimeSpan.FromSeconds(60));

        var other = hostileSide == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        Assert.Equal("fine", t.Read(other, "ok.txt"));
        foreach (var link in new[] { "dir/loop", "up", "out", "outfile.txt", "dangling.txt", "self.txt" })
        {
            Assert.Contains(run.Plan.ScanIssues, i => i.Path == link && i.Reason.Contains("link", StringComparison.Ordinal));
            Assert.False(File.Exists(t.Full(other, link)) || Directory.Exists(t.Full(other, link)), $"'{link}' reached the other side");
            Assert.NotNull(new FileInfo(t.Full(hostileSide, link)).LinkTarget);
        }

        Assert.DoesNotContain("must stay outside", t.Tree(other).Values);
        Assert.Equal("must stay outside", File.ReadAllText(Path.Combine(outside, "secret.txt")));
        Assert.Single(Directory.GetFiles(outside));
    }

    [Theory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.SourceBackup)]
    public void A_file_link_on_the_target_where_a_file_would_go_is_never_written_through(SyncMode mode)
    {
        using var t = new Sandbox();
        var outside = Path.Combine(t.Root, "victim.txt");
        File.WriteAllText(outside, "victim");
        t.Write(SyncSide.Source, "doc.txt", "from source");
        File.CreateSymbolicLink(t.Full(SyncSide.Destination, "doc.txt"), outside);

        var run = Sandbox.Run(t.Pair(mode));

        Assert.Equal("victim", File.ReadAllText(outside));
        Assert.Equal("from source", t.Read(SyncSide.Source, "doc.txt"));
        Assert.NotNull(new FileInfo(t.Full(SyncSide.Destination, "doc.txt")).LinkTarget);
        Assert.Contains(run.Plan.ScanIssues, i => i.Path == "doc.txt");
    }

    [Theory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.SourceBackup)]
    public void A_folder_link_on_the_target_is_never_written_through_to_outside_the_root(SyncMode mode)
    {
        // The destination holds "folder" as a symbolic link to a folder outside the root; the source has a real
        // folder of that name. Copying "folder/inner.txt" must not create a file through the link.
        using var t = new Sandbox();
        var victim = Path.Combine(t.Root, "victim-dir");
        Directory.CreateDirectory(victim);
        Directory.CreateSymbolicLink(t.Full(SyncSide.Destination, "folder"), victim);
        t.Write(SyncSide.Source, "folder/inner.txt", "inner");

        var run = Sandbox.Run(t.Pair(mode));

        Assert.Empty(Directory.GetFileSystemEntries(victim));
        Assert.Equal("inner", t.Read(SyncSide.Source, "folder/inner.txt"));
        Assert.DoesNotContain(run.Results, r => r.RelativePath == "folder/inner.txt" && r.Status == SyncResultStatus.Succeeded);
    }

    [Theory]
    [InlineData("transfers")]
    [InlineData("operations")]
    public void A_target_folder_swapped_for_a_link_during_the_run_is_never_written_through(string kind)
    {
        // Issue 9 case 4. The destination's "sub" is a real folder when the run plans and starts; right after the first
        // action completes it is moved out of the root and replaced by a symbolic link to where it went (so every
        // size, time and inode the plan recorded still matches through the link). No later write (temporary file,
        // commit, trash copy, folder creation, rename, delete) may land in the moved-away folder.
        using var t = new Sandbox();
        var transfers = kind == "transfers";
        for (var i = 0; i < 6; i++)
        {
            t.Write(SyncSide.Source, $"sub/k{i}.txt", $"kept {i}");
        }

        t.Write(SyncSide.Source, "sub/upd.txt", "old version");
        var pair = new SyncPair(t.Source, t.Destination)
        {
            Mode = SyncMode.SourceToDestination,
            StatePath = t.StateDir,
            RetryDelay = TimeSpan.FromMilliseconds(5),
            TransferLimit = 1,
            OperationLimit = 1,
            MaxDeletePercent = 100,
        };
        Assert.Empty(Sandbox.Run(pair).Failed);

        if (transfers)
        {
            for (var i = 0; i < 8; i++)
            {
                t.Write(SyncSide.Source, $"sub/n{i}.txt", $"new {i}");
            }

            t.Write(SyncSide.Source, "sub/deep/d0.txt", "deep new");
            t.Write(SyncSide.Source, "sub/upd.txt", "new version, longer");
        }
        else
        {
            for (var i = 0; i < 6; i += 2)
            {
                t.Delete(SyncSide.Source, $"sub/k{i}.txt");
                File.Move(t.Full(SyncSide.Source, $"sub/k{i + 1}.txt"), t.Full(SyncSide.Source, $"sub/r{i + 1}.txt"));
            }
        }

        var movedAway = Path.Combine(t.Root, "moved-away");
        string[]? snapshot = null;
        var swapped = 0;
        string[] Listing() => Directory.EnumerateFileSystemEntries(movedAway, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(movedAway, p) + "=" + (File.Exists(p) ? File.ReadAllText(p) : "<dir>"))
            .OrderBy(p => p, StringComparer.Ordinal).ToArray();

        // The swap is made from the destination provider, just before its second changing operation (so after the
        // first action's last step), not from FileComplete: completions are reported once journaled, in batches.
        var dst = new FaultyStorageProvider(new LocalStorageProvider(t.Destination));
        var changes = 0;
        void SwapOnSecond(string path)
        {
            if (System.Threading.Interlocked.Increment(ref changes) == 2 && System.Threading.Interlocked.Exchange(ref swapped, 1) == 0)
            {
                Directory.Move(t.Full(SyncSide.Destination, "sub"), movedAway);
                Directory.CreateSymbolicLink(t.Full(SyncSide.Destination, "sub"), movedAway);
                snapshot = Listing();
            }
        }

        foreach (var op in new[] { FaultOp.BeginWrite, FaultOp.Move, FaultOp.PreserveCopy, FaultOp.Delete })
        {
            dst.Rules.Add(new FaultRule { Op = op, Before = SwapOnSecond });
        }

        var run = Sandbox.Run(pair, destination: dst);

        Assert.Equal(1, swapped);
        Assert.NotNull(snapshot);
        Assert.Equal(snapshot, Listing());
        Assert.NotNull(new DirectoryInfo(t.Full(SyncSide.Destination, "sub")).LinkTarget);
        var touched = run.Results.Where(r => r.RelativePath.StartsWith("sub/", StringComparison.Ordinal)).ToList();
        Assert.True(touched.Count >= 4, "the run should have planned several actions under sub/");
        Assert.Single(touched, r => r.Status == SyncResultStatus.Succeeded); // only the one before the swap
        Assert.Equal(new[] { "moved-away", "canary.txt" }.OrderBy(p => p, StringComparer.Ordinal),
            t.Outside().Where(p => !p.StartsWith("moved-away/", StringComparison.Ordinal)).OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public void A_folder_link_on_the_source_side_is_never_deleted_through_by_a_mirror()
    {
        // Destination-to-source mirror: the source's "folder" is a link to an outside folder with files. The mirror
        // must neither list those files nor delete them.
        using var t = new Sandbox();
        var victim = Path.Combine(t.Root, "victim-dir");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "precious.txt"), "precious");
        Directory.CreateSymbolicLink(t.Full(SyncSide.Source, "folder"), victim);
        t.Write(SyncSide.Destination, "other.txt", "o");

        Sandbox.Run(t.Pair(SyncMode.DestinationToSource));

        Assert.Equal("precious", File.ReadAllText(Path.Combine(victim, "precious.txt")));
        Assert.NotNull(new DirectoryInfo(t.Full(SyncSide.Source, "folder")).LinkTarget);
    }

    [SkippableFact]
    public void Fifos_and_device_files_are_reported_and_skipped_without_hanging()
    {
        using var t = new Sandbox();
        Skip.IfNot(Native.IsLinux, "FIFOs and device nodes are created with mkfifo/mknod on Linux only.");

        t.Write(SyncSide.Source, "ok.txt", "fine");
        var (fifo, fifoOut) = Native.Run("mkfifo", Path.Combine(t.Source, "pipe"));
        Assert.True(fifo == 0, "mkfifo failed: " + fifoOut);
        var (dev, devOut) = Native.Run("mknod", Path.Combine(t.Source, "null-device"), "c", "1", "3");
        var haveDevice = dev == 0;
        if (!haveDevice)
        {
            _out.WriteLine("device node not created (mknod needs CAP_MKNOD): " + devOut + " — the FIFO still covers 'special files'.");
        }

        var (sock, _) = Native.Run("python3", "-c", $"import socket; s=socket.socket(socket.AF_UNIX); s.bind('{Path.Combine(t.Source, "sock")}')");

        var run = RunWithin(t.Pair(), TimeSpan.FromSeconds(60));

        Assert.Equal("fine", t.Read(SyncSide.Destination, "ok.txt"));
        Assert.Contains(run.Plan.ScanIssues, i => i.Path == "pipe");
        Assert.False(File.Exists(t.Full(SyncSide.Destination, "pipe")));
        if (haveDevice)
        {
            Assert.Contains(run.Plan.ScanIssues, i => i.Path == "null-device");
            Assert.False(File.Exists(t.Full(SyncSide.Destination, "null-device")));
        }

        if (sock == 0)
        {
            Assert.Contains(run.Plan.ScanIssues, i => i.Path == "sock");
        }

        // A mirror from the other direction does not delete them either.
        var back = RunWithin(t.Pair(SyncMode.DestinationToSource), TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(back.Plan.Actions, a => a.RelativePath is "pipe" or "null-device" or "sock");
        Assert.True(File.Exists(t.Full(SyncSide.Source, "pipe")));
    }

    [Fact]
    public void Unreadable_file_fails_with_its_path_and_is_never_deleted_on_the_other_side()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "private.txt", "v1");
        t.Write(SyncSide.Source, "public.txt", "p");
        var pair = t.Pair();
        Sandbox.Run(pair);
        t.Write(SyncSide.Source, "private.txt", "v2, edited");
        var path = t.Full(SyncSide.Source, "private.txt");
        IStorageProvider? src = null;
        if (Native.PermissionsAreBypassed(t.Root))
        {
            // Root reads a chmod-000 file anyway: the decorator stands in for the permission check.
            _out.WriteLine("running as root: chmod 000 does not stop reads here, so the FaultyStorageProvider refuses the read instead.");
            var faulty = new FaultyStorageProvider(new LocalStorageProvider(t.Source));
            faulty.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("private.txt"), Throw = Faults.Denied });
            faulty.Rules.Add(new FaultRule { Op = FaultOp.ComputeHash, Match = FaultRule.Path("private.txt"), Throw = Faults.Denied });
            src = faulty;
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.None);
        }

        try
        {
            var run = Sandbox.Run(pair, src);

            Assert.DoesNotContain(run.Results, r => r.RelativePath == "private.txt" && r.Status == SyncResultStatus.Succeeded);
            var reported = run.Results.Any(r => r.RelativePath == "private.txt" && r.Status == SyncResultStatus.Failed && r.ErrorId == "SyncAccessDenied")
                           || run.Plan.ScanIssues.Any(i => i.Path == "private.txt");
            Assert.True(reported, "the unreadable file was not reported");
            Assert.Equal("v1", t.Read(SyncSide.Destination, "private.txt"));
        }
        finally
        {
            if (src is null)
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        Sandbox.Run(pair);
        Assert.Equal("v2, edited", t.Read(SyncSide.Destination, "private.txt"));
    }

    [Theory]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.TwoWay)]
    public void Unreadable_folder_keeps_everything_below_it_on_the_other_side(SyncMode mode)
    {
        using var t = new Sandbox();
        for (var i = 0; i < 4; i++)
        {
            t.Write(SyncSide.Source, $"locked/{i}.txt", "l" + i);
            t.Write(SyncSide.Source, $"open/{i}.txt", "o" + i);
        }

        var pair = t.Pair(mode);
        Sandbox.Run(pair);
        var folder = Path.Combine(t.Source, "locked");
        IStorageProvider? src = null;
        if (Native.PermissionsAreBypassed(t.Root))
        {
            _out.WriteLine("running as root: chmod 000 does not stop listing here, so the FaultyStorageProvider reports the folder as unreadable.");
            var faulty = new FaultyStorageProvider(new LocalStorageProvider(t.Source)) { LocalFastPath = true };
            faulty.Hide = p => p.StartsWith("locked/", StringComparison.Ordinal);
            faulty.ListingIssues.Add(("locked", "folder cannot be read: Permission denied (injected)"));
            src = faulty;
        }
        else
        {
            File.SetUnixFileMode(folder, UnixFileMode.None);
        }

        try
        {
            var run = Sandbox.Run(pair, src);
            Assert.DoesNotContain(run.Plan.Actions, a => a.RelativePath.StartsWith("locked/", StringComparison.Ordinal) && a.IsMutating);
            Assert.Contains(run.Plan.ScanIssues, i => i.Path == "locked");
        }
        finally
        {
            if (src is null)
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Assert.Equal(4, Directory.GetFiles(Path.Combine(t.Destination, "locked")).Length);
    }

    [Fact]
    public void Paths_longer_than_260_characters_sync_rename_and_delete()
    {
        using var t = new Sandbox();
        var segment = new string('d', 60);
        var deep = string.Join("/", Enumerable.Range(0, 7).Select(i => segment + i)) + "/" + new string('f', 200) + ".txt";
        Assert.True(deep.Length > 600);
        Assert.True(t.Full(SyncSide.Source, deep).Length > 260);
        t.Write(SyncSide.Source, deep, "deep content");
        var longName = new string('n', 250) + ".bin";
        t.Write(SyncSide.Source, longName, "long name");
        var pair = t.Pair();

        Sandbox.Run(pair);
        Assert.Equal("deep content", t.Read(SyncSide.Destination, deep));
        Assert.Equal("long name", t.Read(SyncSide.Destination, longName));

        var renamed = deep.Replace(segment + "6", segment + "X", StringComparison.Ordinal);
        Directory.CreateDirectory(Path.GetDirectoryName(t.Full(SyncSide.Destination, renamed))!);
        File.Move(t.Full(SyncSide.Destination, deep), t.Full(SyncSide.Destination, renamed));
        var run = Sandbox.Run(pair);
        Assert.Contains(run.Results, r => r.Action == SyncActionType.RenameSource && r.Status == SyncResultStatus.Succeeded);
        Assert.Equal("deep content", t.Read(SyncSide.Source, renamed));

        t.Delete(SyncSide.Source, longName);
        Sandbox.Run(pair);
        Assert.False(t.Exists(SyncSide.Destination, longName));
        Assert.Contains("long name", t.TrashContents(SyncSide.Destination));
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void A_name_longer_than_the_target_allows_fails_alone_and_loses_nothing()
    {
        // 255 bytes is the usual limit; a name of 200 two-byte characters fits in UTF-16 counts but not in bytes.
        using var t = new Sandbox();
        var name = new string('é', 200) + ".txt";
        var src = new FaultyStorageProvider(new LocalStorageProvider(t.Source)) { LocalFastPath = true };
        src.ExtraEntries.Add(new StorageEntry(name, EntryKind.File, 3, DateTime.UtcNow.Ticks));
        t.Write(SyncSide.Source, "ok.txt", "fine");

        var run = Sandbox.Run(t.Pair(), src);

        Assert.Equal("fine", t.Read(SyncSide.Destination, "ok.txt"));
        Assert.DoesNotContain(run.Results, r => r.RelativePath == name && r.Status == SyncResultStatus.Succeeded);
        Assert.Equal(new[] { "canary.txt" }, t.Outside());
    }

    [Fact]
    public void One_hundred_thousand_files_in_one_folder()
    {
        var shm = Directory.Exists("/dev/shm") ? "/dev/shm" : null;
        using var t = new Sandbox(shm);
        const int count = 100_000;
        var folder = Path.Combine(t.Source, "big");
        Directory.CreateDirectory(folder);
        var when = new DateTime(2024, 2, 2, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < count; i++)
        {
            var p = Path.Combine(folder, $"file-{i:000000}.dat");
            File.WriteAllText(p, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.SetLastWriteTimeUtc(p, when);
        }

        var pair = Sandbox.With(t.Pair(), transferLimit: 4);
        var clock = Stopwatch.StartNew();
        var run = Sandbox.Run(pair);
        _out.WriteLine($"first sync of {count} files in one folder: {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(count, run.Summary.Succeeded);
        Assert.Equal(count, Directory.GetFiles(Path.Combine(t.Destination, "big")).Length);
        clock.Restart();
        var again = Sandbox.PlanOnly(pair);
        _out.WriteLine($"no-change plan: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.DoesNotContain(again.Actions, a => a.IsMutating);
        Assert.Equal(count, again.Info.TrackedFileCount);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(100)]
    public void A_large_file_copies_completely_and_in_bounded_time(int mebibytes)
    {
        // Large local files take the in-kernel copy path; it must end, and with the right bytes.
        using var t = new Sandbox();
        var content = new byte[mebibytes << 20];
        new Random(mebibytes).NextBytes(content);
        t.WriteBytes(SyncSide.Source, "big.bin", content);

        var run = RunWithin(t.Pair(), TimeSpan.FromSeconds(60));

        Assert.Equal(SyncResultStatus.Succeeded, run.For("big.bin").Status);
        Assert.Equal(Sandbox.Sha(t.Full(SyncSide.Source, "big.bin")), Sandbox.Sha(t.Full(SyncSide.Destination, "big.bin")));
    }

    [Fact]
    public void Zero_byte_and_sparse_files_keep_their_exact_content()
    {
        using var t = new Sandbox();
        t.WriteBytes(SyncSide.Source, "empty.txt", Array.Empty<byte>());
        var sparse = t.Full(SyncSide.Source, "sparse.img");
        using (var f = new FileStream(sparse, FileMode.CreateNew))
        {
            f.Write(new byte[] { 1, 2, 3 });
            f.SetLength(256L << 20);
            f.Seek(-3, SeekOrigin.End);
            f.Write(new byte[] { 7, 8, 9 });
        }

        File.SetLastWriteTimeUtc(sparse, t.NextTime());
        t.Write(SyncSide.Source, "shrinks.txt", "will become empty");
        var pair = t.Pair();

        RunWithin(pair, TimeSpan.FromSeconds(60));

        Assert.Equal(0, new FileInfo(t.Full(SyncSide.Destination, "empty.txt")).Length);
        Assert.Equal(256L << 20, new FileInfo(t.Full(SyncSide.Destination, "sparse.img")).Length);
        Assert.Equal(Sandbox.Sha(sparse), Sandbox.Sha(t.Full(SyncSide.Destination, "sparse.img")));

        t.WriteBytes(SyncSide.Source, "shrinks.txt", Array.Empty<byte>());
        Sandbox.Run(pair);
        Assert.Equal(0, new FileInfo(t.Full(SyncSide.Destination, "shrinks.txt")).Length);
        Assert.Contains("will become empty", t.TrashContents(SyncSide.Destination));

        // An empty file deleted on one side is a deletion like any other (goes to the trash), and nothing else moves.
        t.Delete(SyncSide.Destination, "empty.txt");
        Sandbox.Run(pair);
        Assert.False(t.Exists(SyncSide.Source, "empty.txt"));
        Assert.True(t.Exists(SyncSide.Source, "sparse.img"));
    }
}
