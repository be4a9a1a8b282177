using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// The local copy path: the source is checked through its open descriptor (never followed if it became a link),
/// a new file lands by a no-replace rename, and the recorded version is the file actually written.
/// </summary>
public class LocalCopyPathTests
{
    [Fact]
    public void A_source_replaced_by_a_symbolic_link_after_planning_is_stale_and_the_link_is_not_followed()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "planned content");
        var outside = Path.Combine(t.Root, "outside.txt");
        File.WriteAllText(outside, "secret outside the root");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var plan = t.Plan(pair);

        var a = Path.Combine(t.Source, "a.txt");
        File.Delete(a);
        File.CreateSymbolicLink(a, outside);
        var run = PlanAsDataTests.Execute(pair, plan.Actions);

        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("a.txt").Status);
        Assert.Empty(t.Tree(SyncSide.Destination));
        Assert.Empty(LeftoverTemps(t.Destination));
    }

    [Fact]
    public void A_source_that_grew_after_planning_with_its_time_put_back_is_stale()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "short");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var plan = t.Plan(pair);

        var a = Path.Combine(t.Source, "a.txt");
        var mtime = File.GetLastWriteTimeUtc(a);
        File.WriteAllText(a, "short, and then much longer");
        File.SetLastWriteTimeUtc(a, mtime);
        var run = PlanAsDataTests.Execute(pair, plan.Actions);

        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("a.txt").Status);
        Assert.Null(t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void A_source_swapped_for_another_file_of_the_same_size_and_time_is_stale()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "version A");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var plan = t.Plan(pair);

        // Same length, same time, different file (a new inode renamed over the old name).
        var a = Path.Combine(t.Source, "a.txt");
        var mtime = File.GetLastWriteTimeUtc(a);
        var other = Path.Combine(t.Source, "other.tmp");
        File.WriteAllText(other, "version B");
        File.SetLastWriteTimeUtc(other, mtime);
        File.Move(other, a, overwrite: true);
        var run = PlanAsDataTests.Execute(pair, plan.Actions);

        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("a.txt").Status);
        Assert.Null(t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void A_copied_file_keeps_its_time_and_the_state_records_the_written_files_identity()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "d/a.txt", "content");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var (summary, _) = t.Sync(pair);
        Assert.Equal(1, summary.Succeeded);

        var src = Path.Combine(t.Source, "d", "a.txt");
        var dst = Path.Combine(t.Destination, "d", "a.txt");
        Assert.Equal(File.GetLastWriteTimeUtc(src), File.GetLastWriteTimeUtc(dst));
        Assert.True(NativeFs.TryLStat(dst, out var st) || !OperatingSystem.IsLinux());
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.StateDir, "destination_tree.json")));
        var entry = doc.RootElement.GetProperty("files").GetProperty("d/a.txt");
        Assert.Equal(7, entry.GetProperty("size").GetInt64());
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(st.FileId, entry.GetProperty("id").GetUInt64());
        }

        // Recorded as written: the next plan has nothing to do.
        Assert.Empty(t.Plan(pair).Visible(false));
    }

    [Fact]
    public void Many_files_in_many_folders_arrive_whole_and_leave_no_temporary_files()
    {
        using var t = new TestPair();
        for (var i = 0; i < 240; i++)
        {
            t.Write(SyncSide.Source, $"f{i % 12:00}/n{i:000}.txt", "content of " + i + new string('x', i));
        }

        var pair = PairOf(t, SyncMode.SourceToDestination);
        var (summary, _) = t.Sync(pair);

        Assert.Equal(240, summary.Succeeded);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Empty(LeftoverTemps(t.Destination));
    }

    [Fact]
    public void Every_copied_file_records_the_hash_of_its_own_content()
    {
        using var t = new TestPair();
        for (var i = 0; i < 40; i++)
        {
            t.Write(SyncSide.Source, $"h/{i:00}.txt", new string((char)('a' + (i % 26)), i * 37));
        }

        var pair = PairOf(t, SyncMode.SourceToDestination);
        t.Sync(pair);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.StateDir, "destination_tree.json")));
        foreach (var f in doc.RootElement.GetProperty("files").EnumerateObject())
        {
            var bytes = File.ReadAllBytes(Path.Combine(t.Destination, f.Name.Replace('/', Path.DirectorySeparatorChar)));
            var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
            Assert.Equal(expected, f.Value.GetProperty("hashes").GetProperty("sha256").GetString());
        }
    }

    private static string[] LeftoverTemps(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).StartsWith(PathRules.TempPrefix, StringComparison.Ordinal))
            .ToArray();
}

/// <summary>The Linux lister reads names as bytes; what a .NET string cannot address is reported, not skipped silently.</summary>
public class RawListingTests
{
    [SkippableFact]
    public void A_name_that_is_not_valid_UTF8_is_reported_and_the_rest_syncs()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "only Linux filesystems hand out arbitrary name bytes to this lister");

        using var t = new TestPair();
        t.Write(SyncSide.Source, "ok.txt", "fine");
        Directory.CreateDirectory(Path.Combine(t.Source, "sub"));
        CreateRawName(Path.Combine(t.Source, "sub"), new byte[] { (byte)'b', (byte)'a', (byte)'d', 0xff, (byte)'.', (byte)'t', (byte)'x', (byte)'t' });
        var pair = PairOf(t, SyncMode.SourceToDestination);

        var plan = t.Plan(pair);
        var issue = Assert.Single(plan.ScanIssues);
        Assert.Equal(@"sub/bad\xff.txt", issue.Path);
        Assert.Contains("not valid UTF-8", issue.Reason, StringComparison.Ordinal);

        var (summary, _) = t.Sync(pair);
        Assert.Equal(1, summary.Succeeded);
        Assert.Equal("fine", t.Read(SyncSide.Destination, "ok.txt"));
    }

    private static void CreateRawName(string folder, byte[] name)
    {
        var path = new System.Collections.Generic.List<byte>(System.Text.Encoding.UTF8.GetBytes(folder)) { (byte)'/' };
        path.AddRange(name);
        path.Add(0);
        var fd = creat(path.ToArray(), 420);
        Assert.True(fd >= 0, "could not create a file with a raw name");
        Assert.Equal(0, close(fd));
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int creat(byte[] path, int mode);

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int close(int fd);
}
