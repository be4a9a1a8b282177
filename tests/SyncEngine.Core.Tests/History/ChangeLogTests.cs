using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SyncEngine.Core.Tests.Support;
using SyncEngine.History;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests.History;

/// <summary>The pair's change log: one line per applied action, appended, never rewritten, torn lines survived.</summary>
public class ChangeLogTests
{
    private static string LogFile(TestPair t) => Path.Combine(t.StateDir, ChangeLog.FileName);

    private static List<JsonElement> Lines(TestPair t) =>
        File.ReadAllLines(LogFile(t)).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void Every_kind_of_applied_action_writes_one_line_with_what_it_replaced_and_where_that_is_kept()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        t.Write(SyncSide.Source, "b.txt", "bee");
        t.Write(SyncSide.Source, "c.txt", "sea");
        Run(pair);
        var afterFirst = Lines(t);
        Assert.Equal(3, afterFirst.Count);
        Assert.All(afterFirst, l =>
        {
            Assert.Equal("create", l.GetProperty("action").GetString());
            Assert.Equal("destination", l.GetProperty("side").GetString());
            Assert.Equal(JsonValueKind.Null, l.GetProperty("old").ValueKind);
            Assert.Equal(JsonValueKind.Null, l.GetProperty("kept").ValueKind);
            Assert.Equal(64, l.GetProperty("new").GetProperty("sha256").GetString()!.Length);
        });

        t.Write(SyncSide.Source, "a.txt", "two!");
        t.Delete(SyncSide.Source, "b.txt");
        t.Rename(SyncSide.Source, "c.txt", "sub/c2.txt");
        var run = Run(pair);
        Assert.Equal(0, run.Summary.Failed);
        var lines = Lines(t).Skip(3).ToList();
        Assert.Equal(3, lines.Count);

        var update = Assert.Single(lines, l => l.GetProperty("action").GetString() == "update");
        Assert.Equal("a.txt", update.GetProperty("path").GetString());
        Assert.Equal(3, update.GetProperty("old").GetProperty("size").GetInt64());
        Assert.Equal(4, update.GetProperty("new").GetProperty("size").GetInt64());
        var kept = update.GetProperty("kept");
        Assert.Equal("destination", kept.GetProperty("side").GetString());
        Assert.Equal("one", File.ReadAllText(Full(t, SyncSide.Destination, kept.GetProperty("path").GetString()!)));

        var delete = Assert.Single(lines, l => l.GetProperty("action").GetString() == "delete");
        Assert.Equal("b.txt", delete.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, delete.GetProperty("new").ValueKind);
        Assert.Equal("bee", File.ReadAllText(Full(t, SyncSide.Destination, delete.GetProperty("kept").GetProperty("path").GetString()!)));

        var rename = Assert.Single(lines, l => l.GetProperty("action").GetString() == "rename");
        Assert.Equal("sub/c2.txt", rename.GetProperty("path").GetString());
        Assert.Equal("c.txt", rename.GetProperty("from").GetString());

        // Every line names its run and a unique id; the times are UTC.
        Assert.Equal(6, Lines(t).Select(l => l.GetProperty("id").GetString()).Distinct().Count());
        Assert.All(lines, l => Assert.Equal(run.Summary.RunId, l.GetProperty("run").GetString()));
        Assert.All(lines, l => Assert.EndsWith("Z", l.GetProperty("time").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_with_nothing_to_do_adds_nothing_and_no_run_rewrites_what_is_there()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        Run(pair);
        var first = File.ReadAllBytes(LogFile(t));

        Run(pair);
        Assert.Equal(first, File.ReadAllBytes(LogFile(t)));

        for (var i = 0; i < 3; i++)
        {
            t.Write(SyncSide.Source, "a.txt", "v" + i);
            Run(pair);
            var now = File.ReadAllBytes(LogFile(t));
            Assert.True(now.Length > first.Length);
            Assert.Equal(first, now.Take(first.Length).ToArray());
            first = now;
        }

        Assert.Equal(4, SyncHistory.Read(pair).Count);
    }

    [Fact]
    public void A_torn_last_line_is_ignored_with_a_warning_and_ended_before_the_next_run_appends()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        Run(pair);

        // A run killed while writing a line: half of it, no newline.
        var half = File.ReadAllText(LogFile(t)).TrimEnd('\n');
        File.AppendAllText(LogFile(t), half.Substring(0, half.Length / 2));
        var warnings = new List<string>();
        Assert.Single(SyncHistory.Read(pair, warn: warnings.Add));
        Assert.Contains("unfinished line", Assert.Single(warnings), StringComparison.Ordinal);

        t.Write(SyncSide.Source, "a.txt", "two");
        Assert.Equal(0, Run(pair).Summary.Failed);
        warnings.Clear();
        var entries = SyncHistory.Read(pair, warn: warnings.Add);
        Assert.Equal(new[] { ChangeKind.Update, ChangeKind.Create }, entries.Select(e => e.Action).ToArray());
        Assert.Contains("damaged", Assert.Single(warnings), StringComparison.Ordinal);
        Assert.EndsWith("\n", File.ReadAllText(LogFile(t)), StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_in_the_middle_is_skipped_and_the_rest_still_read()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        Run(pair);
        File.AppendAllText(LogFile(t), "{\"v\":1,\"id\":\n\u0001\u0002 not json\n");
        t.Write(SyncSide.Source, "a.txt", "two");
        Run(pair);
        var warnings = new List<string>();
        Assert.Equal(2, SyncHistory.Read(pair, warn: warnings.Add).Count);
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void A_run_stopped_part_way_logs_exactly_the_actions_it_completed()
    {
        using var t = new TestPair();
        var pair = PairOf(t, transferLimit: 1, operationLimit: 1);
        for (var i = 0; i < 20; i++)
        {
            t.Write(SyncSide.Source, $"f{i:00}.txt", "x" + i);
        }

        using var controller = new Control.SyncController();
        var record = new RunRecord();
        using (var session = SyncSession.Open(pair))
        {
            var plan = session.Plan();
            var done = 0;
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions
            {
                Controller = controller,
                Progress = e =>
                {
                    record.Events.Enqueue(e);
                    if (e.Type == SyncEventType.FileStart && ++done == 5)
                    {
                        controller.Cancel();
                    }
                },
            });
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            record.Summary = exec.Wait();
        }

        var copied = record.Results.Where(r => r.Status == SyncResultStatus.Succeeded).Select(r => r.RelativePath).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.InRange(copied.Length, 1, 19);
        var logged = SyncHistory.Read(pair).Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(copied, logged);
        Assert.Equal(copied, copied.Where(p => t.Exists(SyncSide.Destination, p)).ToArray());
    }

    [Fact]
    public void Times_in_the_log_never_go_back_within_a_run_whatever_order_the_workers_read_the_clock_in()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        for (var i = 0; i < 6; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        // A clock that goes back a second at every reading: what two workers see when the one that read it later
        // reaches the log first.
        var ticks = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;
        DateTime Clock() => new(System.Threading.Interlocked.Add(ref ticks, -TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        using (var session = SyncSession.Open(pair, null, null, Clock))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions);
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.Equal(6, exec.Wait().Succeeded);
        }

        var times = Lines(t).Select(l => l.GetProperty("time").GetString()).ToList();
        Assert.Equal(6, times.Count);
        Assert.Equal(times.OrderBy(x => x, StringComparer.Ordinal), times);
    }

    [Fact]
    public void The_reader_filters_by_path_and_time_and_lists_newest_first()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        t.Write(SyncSide.Source, "docs/a.txt", "1");
        t.Write(SyncSide.Source, "other.txt", "1");
        Run(pair);
        t.Write(SyncSide.Source, "docs/a.txt", "22");
        Run(pair);
        t.Rename(SyncSide.Source, "docs/a.txt", "moved.txt");
        Run(pair);

        var docs = SyncHistory.Read(pair, "docs");
        Assert.Equal(new[] { ChangeKind.Rename, ChangeKind.Update, ChangeKind.Create }, docs.Select(e => e.Action).ToArray());
        Assert.Equal(3, SyncHistory.Read(pair, "docs/a.txt").Count);
        Assert.Single(SyncHistory.Read(pair, "other.txt"));
        Assert.Empty(SyncHistory.Read(pair, "doc"));
        var all = SyncHistory.Read(pair);
        Assert.True(all.Zip(all.Skip(1), (a, b) => a.TimeUtc >= b.TimeUtc).All(x => x));
        Assert.Empty(SyncHistory.Read(pair, since: DateTime.UtcNow.AddHours(1)));
        Assert.Empty(SyncHistory.Read(pair, until: DateTime.UtcNow.AddHours(-1)));
    }
}
