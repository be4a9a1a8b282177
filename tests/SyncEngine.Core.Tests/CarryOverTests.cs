using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SyncEngine.Control;
using SyncEngine.Core.Tests.Support;
using SyncEngine.State;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// The journal carried from run to run: a run that changed little writes its journal lines and the metadata, not
/// the whole trees; the next load applies snapshot + journal; the journal is folded into the trees once it outgrows
/// them. Every promise is checked by breaking it: crashes at each step of a save, and what readers see meanwhile.
/// </summary>
public class CarryOverTests
{
    private static string SourceTree(TestPair t) => Path.Combine(t.StateDir, StateStore.SourceTreeFile);

    private static string DestinationTree(TestPair t) => Path.Combine(t.StateDir, StateStore.DestinationTreeFile);

    private static string JournalPath(TestPair t) => Path.Combine(t.StateDir, StateStore.JournalFile);

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static JsonElement Metadata(TestPair t)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.StateDir, StateStore.MetadataFile)));
        return doc.RootElement.Clone();
    }

    private static void Files(TestPair t, int count, string prefix = "d/f")
    {
        for (var i = 0; i < count; i++)
        {
            t.Write(SyncSide.Source, $"{prefix}{i:00}.txt", "content " + i.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void A_run_that_changed_little_keeps_the_trees_and_carries_the_journal_which_every_reader_applies()
    {
        using var t = new TestPair();
        Files(t, 40);
        var pair = PairOf(t);
        Run(pair);
        var sourceTree = File.ReadAllBytes(SourceTree(t));
        var destinationTree = File.ReadAllBytes(DestinationTree(t));
        var generation = Metadata(t).GetProperty("generation").GetInt64();
        Assert.Equal(0, Length(JournalPath(t)));

        t.Write(SyncSide.Source, "d/f01.txt", "changed");
        t.Delete(SyncSide.Source, "d/f02.txt");
        t.Write(SyncSide.Source, "new.txt", "new");
        Run(pair);

        // Only the journal and the metadata were written.
        Assert.Equal(sourceTree, File.ReadAllBytes(SourceTree(t)));
        Assert.Equal(destinationTree, File.ReadAllBytes(DestinationTree(t)));
        Assert.True(Length(JournalPath(t)) > 0, "the journal was emptied although the trees were not rewritten");
        var meta = Metadata(t);
        Assert.Equal(40, meta.GetProperty("files").GetInt32());
        Assert.Equal(generation + 1, meta.GetProperty("generation").GetInt64());

        // Status, the lock-free plan and a session all see snapshot + journal.
        Assert.Equal(40, SyncStatusReader.Read(t.StateDir).TrackedFiles);
        var plan = SyncPlanner.Plan(pair);
        NoVisibleActions(plan);
        Assert.Equal(40, plan.Info.TrackedFileCount);
        Assert.False(plan.StateWasUnreadable);
        Assert.Contains("new.txt", StateKeys(t.StateDir));
        Assert.DoesNotContain("d/f02.txt", StateKeys(t.StateDir));
        using (var session = SyncSession.Open(pair))
        {
            NoVisibleActions(session.Plan());
        }

        // The records that live only in the journal are in force: a deletion of new.txt, or of the changed
        // f01.txt, is a deletion to pass on, not a file to copy back or an edit to restore.
        t.Delete(SyncSide.Destination, "new.txt");
        t.Delete(SyncSide.Destination, "d/f01.txt");
        Assert.Equal(new[] { "DeleteSource d/f01.txt", "DeleteSource new.txt" }, VisibleSorted(t.Plan(pair)));
    }

    [Fact]
    public void The_journal_is_folded_into_the_trees_once_it_outgrows_them_and_never_grows_past_them()
    {
        using var t = new TestPair();
        Files(t, 6);
        var pair = PairOf(t);
        Run(pair);
        int carried = 0, folded = 0;
        for (var round = 0; round < 16; round++)
        {
            t.Write(SyncSide.Source, $"d/f{round % 6:00}.txt", "round " + round.ToString(CultureInfo.InvariantCulture));
            long journalAtSave = -1, treesAtSave = -1;
            StateStore.FaultPoint = _ =>
            {
                if (journalAtSave < 0)
                {
                    journalAtSave = Length(JournalPath(t));
                    treesAtSave = Length(SourceTree(t)) + Length(DestinationTree(t));
                }
            };
            try
            {
                Run(pair);
            }
            finally
            {
                StateStore.FaultPoint = null;
            }

            var journal = Length(JournalPath(t));
            var trees = Length(SourceTree(t)) + Length(DestinationTree(t));
            Assert.True(journalAtSave > 0, $"round {round}: the run journalled nothing");
            if (journal == 0)
            {
                folded++;
                Assert.True(StateStore.ShouldCompact(journalAtSave, treesAtSave), $"round {round}: folded a journal of {journalAtSave} bytes beside {treesAtSave} bytes of trees");
            }
            else
            {
                carried++;
                Assert.Equal(journalAtSave, journal);
                Assert.False(StateStore.ShouldCompact(journal, trees), $"round {round}: journal of {journal} bytes kept beside {trees} bytes of trees");
            }

            NoVisibleActions(t.Plan(pair));
            Assert.Equal(6, StateKeys(t.StateDir).Count);
        }

        Assert.True(carried >= 4 && folded >= 2, $"{carried} runs carried the journal, {folded} folded it");
    }

    [Fact]
    public void Folding_happens_when_the_journal_is_larger_than_both_trees_together()
    {
        Assert.False(StateStore.ShouldCompact(0, 0));
        Assert.False(StateStore.ShouldCompact(1000, 1000));
        Assert.True(StateStore.ShouldCompact(1001, 1000));
        Assert.True(StateStore.ShouldCompact(1, 0));
    }

    public static IEnumerable<object[]> CrashPoints() => new[]
    {
        new object[] { "metadata", false },
        new object[] { "source-tree", true },
        new object[] { "destination-tree", true },
        new object[] { "metadata", true },
        new object[] { "journal", true },
    };

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void A_crash_at_any_step_of_saving_loses_nothing(string point, bool folding)
    {
        using var t = new TestPair();
        Files(t, folding ? 3 : 40);
        var pair = PairOf(t);
        Run(pair);

        // The run: one new, one changed and one deleted file, plus (to make the journal outgrow the trees) more new files.
        t.Write(SyncSide.Source, "n.txt", "new");
        t.Write(SyncSide.Source, "d/f00.txt", "changed");
        t.Delete(SyncSide.Source, "d/f01.txt");
        if (folding)
        {
            Files(t, 10, "extra/e");
        }

        var hits = new List<string>();
        StateStore.FaultPoint = p =>
        {
            hits.Add(p);
            if (p == point)
            {
                throw new IOException("simulated crash before " + p);
            }
        };
        try
        {
            var run = Run(pair);
            Assert.Equal(0, run.Summary.Failed);
        }
        finally
        {
            StateStore.FaultPoint = null;
        }

        Assert.Contains(point, hits);
        Assert.Equal(folding, hits.Contains("source-tree"));

        // Nothing is lost: the next plan has nothing to do, and every record the crashed run made is in force.
        var next = t.Plan(pair);
        Assert.False(next.StateWasUnreadable);
        NoVisibleActions(next);
        t.Delete(SyncSide.Destination, "n.txt");
        t.Delete(SyncSide.Destination, "d/f00.txt");
        Assert.Equal(new[] { "DeleteSource d/f00.txt", "DeleteSource n.txt" }, VisibleSorted(t.Plan(pair)));

        // And the next run converges and leaves a consistent state.
        Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "changed", "new" }, Trash(t, SyncSide.Source));
        NoVisibleActions(t.Plan(pair));
        Assert.Equal(t.Tree(SyncSide.Source).Count, SyncStatusReader.Read(t.StateDir).TrackedFiles);
    }

    [Fact]
    public void A_run_over_an_unreadable_tree_writes_a_whole_new_snapshot()
    {
        using var t = new TestPair();
        Files(t, 20);
        var pair = PairOf(t);
        Run(pair);
        File.WriteAllText(DestinationTree(t), "{\"format\":1,\"files\":{\"d/f00.txt\":{\"size\":");
        t.Write(SyncSide.Source, "n.txt", "new");

        var run = Run(pair);

        Assert.True(run.Plan.StateWasUnreadable);
        var next = t.Plan(pair);
        Assert.False(next.StateWasUnreadable);
        NoVisibleActions(next);
        Assert.Equal(21, StateKeys(t.StateDir).Count);
        Assert.Equal(0, Length(JournalPath(t)));
    }

    [Fact]
    public void Records_that_did_not_come_from_the_trees_on_disk_are_written_whole_even_with_an_empty_journal()
    {
        // E.g. a state rebuilt after the trees could not be read: the trees beside it are not its base, so keeping
        // them and the (short) journal would bring the old records back.
        using var t = new TestPair();
        var pair = t.Pair();
        var old = new PairState(pair.Id, pair.Source, pair.Destination);
        for (var i = 0; i < 50; i++)
        {
            var key = "old" + i.ToString(CultureInfo.InvariantCulture);
            old.Set(key, new FileVersion(key, i, 621355968000000000L, 1), new FileVersion(key, i, 621355968000000000L, 2));
        }

        StateStore.Save(t.StateDir, old, pair);
        var rebuilt = new PairState(pair.Id, pair.Source, pair.Destination);
        rebuilt.Set("new.txt", new FileVersion("new.txt", 1, 621355968000000000L, 3), new FileVersion("new.txt", 1, 621355968000000000L, 4));
        Assert.False(rebuilt.TreesOnDisk);

        StateStore.Save(t.StateDir, rebuilt, pair);

        Assert.Equal(new[] { "new.txt" }, StateStore.Load(t.StateDir, pair).State!.Records.Keys);
    }

    [Fact]
    public void A_state_written_before_the_journal_was_carried_loads_and_syncs()
    {
        // The previous engine always folded the journal at the end of a run, and a run it did not finish left
        // old trees + a journal: both are states this engine reads.
        using var t = new TestPair();
        Files(t, 10);
        var pair = PairOf(t);
        Run(pair);
        var old = t.Plan(pair);
        Assert.Equal(10, old.Info.TrackedFileCount);
        var journalLine = $"{{\"op\":\"set\",\"key\":\"late.txt\",\"s\":{{\"size\":4,\"mtime\":{Seconds(t, SyncSide.Source, "d/f00.txt")},\"id\":1}},\"d\":{{\"size\":4,\"mtime\":1700000000.5,\"path\":\"late.txt\"}}}}\n{{\"op\":\"del\",\"key\":\"d/f09.txt\"}}\n";
        File.WriteAllText(JournalPath(t), journalLine);

        var load = StateStore.Load(t.StateDir, pair);

        Assert.Equal(2, load.JournalEntriesReplayed);
        Assert.Equal(10, load.State!.Records.Count);
        Assert.True(load.State.Records.ContainsKey("late.txt"));
        Assert.False(load.State.Records.ContainsKey("d/f09.txt"));
        Assert.Null(load.State.Records["late.txt"].DestinationPath);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, 500, DateTimeKind.Utc).Ticks, load.State.Records["late.txt"].DestinationMtime);
    }

    private static string Seconds(TestPair t, SyncSide side, string relative)
    {
        var span = new byte[TimeCodec.MaxFormattedLength];
        return Encoding.ASCII.GetString(span, 0, TimeCodec.FormatUnixSeconds(Mtime(t, side, relative).Ticks, span));
    }

    [Fact]
    public void Tree_files_and_journal_lines_are_byte_for_byte_what_the_previous_writer_wrote()
    {
        // The shape DESIGN.md fixes is kept, written by a plain JsonWriter in format 2 (hashes keyed by algorithm; a
        // value that is not a SHA-256 is not written as one). An older SyncEngine refuses format 2 by its metadata.
        using var t = new TestPair();
        var pair = t.Pair();
        var rng = new Random(11);
        var state = new PairState(pair.Id, pair.Source, pair.Destination);
        var hashes = new[] { null, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "ABC", "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752" };
        var versions = new List<(string Key, FileVersion S, FileVersion D)>();
        for (var i = 0; i < 500; i++)
        {
            var key = $"k{i}/" + (i % 7 == 0 ? "é\"\\\u0001😀" : "plain.txt");
            FileVersion V() => new(rng.Next(6) == 0 ? key + "~" : key, rng.NextInt64(0, long.MaxValue), rng.NextInt64(0, DateTime.MaxValue.Ticks), rng.Next(3) == 0 ? 0 : (ulong)rng.NextInt64(), hashes[rng.Next(hashes.Length)]);
            var s = V();
            var d = rng.Next(2) == 0 ? new FileVersion(key, s.Size, s.MtimeTicks, s.FileId + 1, s.Hash) : V();
            state.Set(key, s, d);
            versions.Add((key, s, d));
        }

        StateStore.Save(t.StateDir, state, pair);

        var sorted = versions.OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(PreviousTree(pair.Id, state.Generation, sorted, source: true), File.ReadAllBytes(SourceTree(t)));
        Assert.Equal(PreviousTree(pair.Id, state.Generation, sorted, source: false), File.ReadAllBytes(DestinationTree(t)));

        File.Delete(JournalPath(t));
        using (var j = new Journal(t.StateDir))
        {
            foreach (var (key, s, d) in versions)
            {
                j.RecordSet(key, s, d);
            }
        }

        Assert.Equal(string.Concat(versions.Select(v => PreviousJournalLine(v.Key, v.S, v.D))), File.ReadAllText(JournalPath(t)));
    }

    private static readonly JsonWriterOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A plain WriteVersion of format 2: mtime through decimal, the SHA-256 under "hashes", path as a string.</summary>
    private static void PreviousVersion(Utf8JsonWriter w, FileVersion v, string key)
    {
        w.WriteStartObject();
        w.WriteNumber("size", v.Size);
        w.WriteNumber("mtime", (v.MtimeTicks - 621355968000000000L) / 10_000_000m);
        if (v.FileId != 0)
        {
            w.WriteNumber("id", v.FileId);
        }

        if (SyncEngine.Storage.HashAlgorithms.IsValid(SyncEngine.Storage.HashAlgorithms.Sha256, v.Hash))
        {
            w.WriteStartObject("hashes");
            w.WriteString("sha256", v.Hash);
            w.WriteEndObject();
        }

        if (!string.Equals(v.Path, key, StringComparison.Ordinal))
        {
            w.WriteString("path", v.Path);
        }

        w.WriteEndObject();
    }

    private static byte[] PreviousTree(string pairId, long generation, List<(string Key, FileVersion S, FileVersion D)> sorted, bool source)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Relaxed))
        {
            w.WriteStartObject();
            w.WriteNumber("format", 2);
            w.WriteString("pairId", pairId);
            w.WriteNumber("generation", generation);
            w.WriteStartObject("files");
            foreach (var (key, s, d) in sorted)
            {
                w.WritePropertyName(key);
                PreviousVersion(w, source ? s : d, key);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    private static string PreviousJournalLine(string key, FileVersion s, FileVersion d)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Relaxed))
        {
            w.WriteStartObject();
            w.WriteString("op", "set");
            w.WriteString("key", key);
            w.WritePropertyName("s");
            PreviousVersion(w, s, key);
            w.WritePropertyName("d");
            PreviousVersion(w, d, key);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }
}
