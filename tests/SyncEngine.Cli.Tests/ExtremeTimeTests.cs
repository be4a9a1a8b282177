using System;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary>
/// Files whose modification time lies outside DateTime's range (before year 1, after 9999): <c>plan --json</c> and
/// <c>sync --json</c> list every file, with the clamped time, and nothing aborts.
/// </summary>
public sealed class ExtremeTimeTests
{
    private static CliHarness OnTmpfs()
    {
        var folder = ExtremeTimes.Folder(out var why);
        Skip.If(folder is null, why);
        return new CliHarness(folder!);
    }

    [SkippableFact]
    public void Json_plan_and_sync_list_every_file_whatever_its_time()
    {
        using var h = OnTmpfs();
        h.Write(SyncSide.Source, "ancient.txt", "before year 1");
        h.Write(SyncSide.Source, "future.txt", "after 9999");
        h.Write(SyncSide.Source, "normal.txt", "an ordinary time");
        ExtremeTimes.Set(h.FullPath(SyncSide.Source, "ancient.txt"), -99999999999L);
        ExtremeTimes.Set(h.FullPath(SyncSide.Source, "future.txt"), 999999999999L);
        var expected = new[] { "ancient.txt", "future.txt", "normal.txt" };

        var plan = h.Pair("plan", "--json");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        var planned = plan.JsonLines();
        Assert.Equal(expected, planned.Select(o => o.GetProperty("path").GetString()).OrderBy(p => p, StringComparer.Ordinal));
        var ancient = planned.Single(o => o.GetProperty("path").GetString() == "ancient.txt");
        Assert.Equal(DateTime.MinValue, ancient.GetProperty("sourceModified").GetDateTime().ToUniversalTime());
        var future = planned.Single(o => o.GetProperty("path").GetString() == "future.txt");
        Assert.Equal(DateTime.MaxValue, future.GetProperty("sourceModified").GetDateTime().ToUniversalTime());

        var sync = h.Pair("sync", "--json");

        Assert.True(sync.ExitCode == 0, sync.ToString());
        var lines = sync.JsonLines();
        var results = lines.Take(lines.Count - 1).ToList();
        Assert.Equal(expected, results.Select(o => o.GetProperty("path").GetString()).OrderBy(p => p, StringComparer.Ordinal));
        Assert.All(results, o => Assert.Equal("Succeeded", o.GetProperty("status").GetString()));
        Assert.Equal(3, lines[^1].GetProperty("summary").GetProperty("succeeded").GetInt32());
        Assert.Equal("before year 1", h.Read(SyncSide.Destination, "ancient.txt"));
        Assert.Equal("after 9999", h.Read(SyncSide.Destination, "future.txt"));
    }
}
