using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using SyncEngine.TestSupport;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests.Sftp;

/// <summary>
/// Real faults on the server side of an SFTP pair: a file sshd may not read (its mode denies it; sshd runs without
/// CAP_DAC_OVERRIDE when the tests run as root, so root is bound by it too) and a full disk (a small tmpfs as the
/// SFTP root). The sshd killed mid-run is in <see cref="SftpReconnectTests"/>.
/// </summary>
public sealed class SftpFaultTests : IClassFixture<SshdServerWithoutPermissionOverride>
{
    private readonly SshdServer _server;

    public SftpFaultTests(SshdServerWithoutPermissionOverride fixture)
    {
        _server = fixture.Server;
    }

    [SkippableTheory]
    [InlineData(SyncSide.Source)]
    [InlineData(SyncSide.Destination)]
    public void A_file_the_server_may_not_read_fails_alone_is_not_recorded_and_is_copied_once_readable(SyncSide remote)
    {
        using var t = new TestPair();
        var mode = remote == SyncSide.Source ? SyncMode.SourceToDestination : SyncMode.DestinationToSource;
        var local = remote == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        var copy = remote == SyncSide.Source ? "UploadNew" : "DownloadNew";
        foreach (var name in new[] { "a.txt", "locked.txt", "z.txt" })
        {
            t.Write(remote, name, "content of " + name);
        }

        var locked = Full(t, remote, "locked.txt");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        var pair = PairOf(t, mode);
        try
        {
            var run = RunOver(pair, remote);

            var failed = run.ResultFor("locked.txt");
            Assert.Equal(SyncResultStatus.Failed, failed.Status);
            Assert.Contains("locked.txt", failed.Error, StringComparison.Ordinal);
            Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("a.txt").Status);
            Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("z.txt").Status);
            Assert.Equal(Tree(("a.txt", "content of a.txt"), ("z.txt", "content of z.txt")), t.Tree(local));
            Assert.Empty(TempFiles(t.SideRoot(local)));
            Assert.DoesNotContain("locked.txt", StateKeys(t.StateDir, remote));

            // Replanned, and failing alone again while it stays unreadable.
            var again = RunOver(pair, remote);
            Assert.Equal(new[] { copy + " locked.txt" }, Describe(again.Plan.Visible()));
            Assert.Equal(SyncResultStatus.Failed, again.ResultFor("locked.txt").Status);
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var readable = RunOver(pair, remote);
        Assert.Equal(new[] { copy + " locked.txt" }, Describe(readable.Plan.Visible()));
        Assert.Equal(0, readable.Summary.Failed);
        Assert.Equal(t.Tree(remote), t.Tree(local));
        NoVisibleActions(RunOver(pair, remote).Plan);
    }

    [SkippableFact]
    public void A_full_disk_on_the_server_fails_what_does_not_fit_records_nothing_for_it_and_the_next_run_completes()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "mounting a small tmpfs as the SFTP root needs Linux and root");
        using var t = new TestPair();
        var mounted = Mount(t.Destination, "2m");
        Skip.If(mounted is not null, mounted);
        try
        {
            // 1 MiB of the 2 MiB taken by a file the pair ignores; the huge file fits only once it is gone.
            t.WriteBytes(SyncSide.Destination, "filler.bin", new byte[1 << 20]);
            t.WriteBytes(SyncSide.Source, "a-small.bin", Enumerable.Repeat((byte)1, 100 << 10).ToArray());
            t.WriteBytes(SyncSide.Source, "b-huge.bin", Enumerable.Repeat((byte)2, 1536 << 10).ToArray());
            t.WriteBytes(SyncSide.Source, "c-small.bin", Enumerable.Repeat((byte)3, 200 << 10).ToArray());
            var pair = PairOf(t, SyncMode.SourceToDestination, ignore: new[] { "filler.bin" }, transferLimit: 1, retryCount: 1);

            var run = RunOver(pair, SyncSide.Destination);

            var failed = run.ResultFor("b-huge.bin");
            Assert.Equal(SyncResultStatus.Failed, failed.Status);
            Assert.Equal("SyncDiskFull", failed.ErrorId); // not retried: SFTP says only "Failure", the provider asks statvfs
            Assert.Contains("b-huge.bin", failed.Error, StringComparison.Ordinal);
            Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("a-small.bin").Status);
            Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("c-small.bin").Status);
            Assert.False(t.Exists(SyncSide.Destination, "b-huge.bin"));
            Assert.Empty(TempFiles(t.Destination));
            Assert.DoesNotContain("b-huge.bin", StateKeys(t.StateDir, SyncSide.Destination));
            Assert.Equal(new[] { "UploadNew b-huge.bin" }, Describe(RunOver(pair, SyncSide.Destination).Plan.Visible()));

            t.Delete(SyncSide.Destination, "filler.bin");
            var freed = RunOver(pair, SyncSide.Destination);

            Assert.Equal(new[] { "UploadNew b-huge.bin" }, Describe(freed.Plan.Visible()));
            Assert.Equal(0, freed.Summary.Failed);
            Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
            Assert.Empty(TempFiles(t.Destination));
            NoVisibleActions(RunOver(pair, SyncSide.Destination).Plan);
        }
        finally
        {
            Unmount(t.Destination);
        }
    }

    private RunRecord RunOver(SyncPair pair, SyncSide remote)
    {
        var sftp = SftpSides.Open(_server, remote == SyncSide.Source ? pair.Source : pair.Destination);
        return remote == SyncSide.Source ? Run(pair, source: sftp) : Run(pair, destination: sftp);
    }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> at <paramref name="folder"/>; null, or why it could not.</summary>
    private static string? Mount(string folder, string size)
    {
        var (code, output) = Tool("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", folder);
        return code == 0 ? null : $"mount -t tmpfs failed ({code}): {output.Trim()}";
    }

    private static void Unmount(string folder) => Tool("umount", "-l", folder);

    private static (int Code, string Output) Tool(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
