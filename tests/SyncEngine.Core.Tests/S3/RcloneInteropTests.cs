using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.TestSupport;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests.S3;

/// <summary>
/// rclone's S3 backend (Debian's rclone, configured by RCLONE_CONFIG_* variables) and SyncEngine on the same bucket:
/// rclone reads the keys, sizes and times we wrote and finds no difference with the source; we read what rclone
/// wrote (its mtime metadata) and sync it back without downloading unchanged files again.
/// </summary>
public sealed class RcloneInteropTests : IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public RcloneInteropTests(CephBucket bucket)
    {
        _bucket = bucket;
    }

    private (int Code, string Out) Rclone(params string[] args)
    {
        var start = new ProcessStartInfo("rclone") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("AWS_CA_BUNDLE"); // rclone 1.60 cannot load one into its own transport
        start.Environment["RCLONE_CONFIG"] = "/dev/null";
        start.Environment["RCLONE_CONFIG_RGW_TYPE"] = "s3";
        start.Environment["RCLONE_CONFIG_RGW_PROVIDER"] = "Ceph";
        start.Environment["RCLONE_CONFIG_RGW_ENDPOINT"] = _bucket.Server.Endpoint;
        start.Environment["RCLONE_CONFIG_RGW_ACCESS_KEY_ID"] = CephServer.AccessKey;
        start.Environment["RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY"] = CephServer.SecretKey;
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    private void SkipWithoutRclone()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        Skip.If(!File.Exists("/usr/bin/rclone") && !File.Exists("/usr/local/bin/rclone"), "rclone is not installed (apt-get install -y rclone)");
    }

    private static void Files(TestPair t)
    {
        t.Write(SyncSide.Source, "a.txt", "alpha");
        t.Write(SyncSide.Source, "docs/deep/b.txt", "beta, somewhat longer");
        t.Write(SyncSide.Source, "with space & ü.txt", "unicode");
        SetMtime(t, SyncSide.Source, "a.txt", new DateTime(2023, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567));
        SetMtime(t, SyncSide.Source, "docs/deep/b.txt", new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
    }

    [SkippableFact]
    public void Rclone_lists_the_same_keys_sizes_and_times_and_check_finds_no_difference()
    {
        SkipWithoutRclone();
        using var t = new TestPair();
        Files(t);
        var prefix = _bucket.NewPrefix();
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var run = Sync.Run(pair, new LocalStorageProvider(t.Source), _bucket.Server.Provider(_bucket.Name, prefix));
        Assert.Equal(0, run.Summary.Failed);

        var (code, listing) = Rclone("lsl", $"rgw:{_bucket.Name}/{prefix}");
        Assert.True(code == 0, listing);
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("NOTICE", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, lines.Count);
        foreach (var name in new[] { "a.txt", "docs/deep/b.txt", "with space & ü.txt" })
        {
            var info = new FileInfo(Full(t, SyncSide.Source, name));
            var line = Assert.Single(lines, l => l.EndsWith(" " + name, StringComparison.Ordinal));
            var fields = line.Trim().Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(info.Length.ToString(CultureInfo.InvariantCulture), fields[0]);
            // rclone prints nanoseconds: the whole time, as we keep it.
            Assert.Equal(info.LastWriteTimeUtc.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00", fields[1] + " " + fields[2]);
        }

        var (checkCode, said) = Rclone("check", t.Source, $"rgw:{_bucket.Name}/{prefix}");
        Assert.True(checkCode == 0, said);
        Assert.Contains("0 differences found", said, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_bucket_filled_by_rclone_syncs_back_with_its_times_and_unchanged_files_are_not_downloaded_again()
    {
        SkipWithoutRclone();
        using var t = new TestPair();
        Files(t);
        var prefix = _bucket.NewPrefix();
        var (code, said) = Rclone("copy", t.Source, $"rgw:{_bucket.Name}/{prefix}");
        Assert.True(code == 0, said);

        // Our own side reads rclone's mtime metadata as the file's time.
        using (var s3 = _bucket.Server.Provider(_bucket.Name, prefix))
        {
            Assert.Equal(File.GetLastWriteTimeUtc(Full(t, SyncSide.Source, "a.txt")).Ticks, s3.Stat("a.txt")!.MtimeTicks);
        }

        // The same files on a local side already (a restore target holding them): nothing is downloaded.
        using var back = new TestPair();
        foreach (var name in new[] { "a.txt", "docs/deep/b.txt", "with space & ü.txt" })
        {
            back.Write(SyncSide.Destination, name, File.ReadAllText(Full(t, SyncSide.Source, name)));
            SetMtime(back, SyncSide.Destination, name, File.GetLastWriteTimeUtc(Full(t, SyncSide.Source, name)));
        }

        var pair = PairOf(back, SyncMode.SourceToDestination);
        var firstSide = new HookedProvider(_bucket.Server.Provider(_bucket.Name, prefix));
        var first = Sync.Run(pair, firstSide, new LocalStorageProvider(back.Destination));
        Assert.Equal(0, first.Summary.Failed);
        Assert.Equal(0, first.Summary.BytesTransferred);
        Assert.Empty(first.Plan.Visible());
        Assert.Equal(0, firstSide.OpenReadCount); // nothing downloaded (a first merge may hash what it cannot match otherwise)

        // A file rclone changes afterwards is the only one that comes down.
        File.WriteAllText(Full(t, SyncSide.Source, "a.txt"), "alpha, edited by rclone's side");
        Assert.Equal(0, Rclone("copy", t.Source, $"rgw:{_bucket.Name}/{prefix}").Code);
        var secondSide = new HookedProvider(_bucket.Server.Provider(_bucket.Name, prefix));
        var second = Sync.Run(pair, secondSide, new LocalStorageProvider(back.Destination));
        Assert.Equal(new[] { "UploadUpdate a.txt" }, Describe(second.Plan.Visible()));
        Assert.Equal(1, secondSide.OpenReadCount); // a.txt only
        Assert.Equal(0, secondSide.ComputeHashCount); // the unchanged ones matched the state by size and tag
        Assert.Equal("alpha, edited by rclone's side", File.ReadAllText(Full(back, SyncSide.Destination, "a.txt")));
        Assert.Equal(File.GetLastWriteTimeUtc(Full(t, SyncSide.Source, "a.txt")), File.GetLastWriteTimeUtc(Full(back, SyncSide.Destination, "a.txt")));
        var thirdSide = new HookedProvider(_bucket.Server.Provider(_bucket.Name, prefix));
        NoVisibleActions(Sync.Run(pair, thirdSide, new LocalStorageProvider(back.Destination)).Plan);
        Assert.Equal(0, thirdSide.ContentAccessCount);
        System.Console.WriteLine($"first merge: {firstSide.ComputeHashCount} hashes computed on the rclone side");
    }
}
