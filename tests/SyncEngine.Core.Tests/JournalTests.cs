using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SyncEngine.Core.Tests.Support;
using SyncEngine.State;

namespace SyncEngine.Core.Tests;

/// <summary>
/// The journal of completed actions: its replay (fast for the lines the engine writes, general otherwise) must do
/// exactly what the previous replay did, and it must survive being carried from run to run (torn lines included).
/// </summary>
public class JournalTests
{
    private const long Epoch = 621355968000000000L;
    private const string H1 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string H2 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    private static readonly string[] Keys = { "a.txt", "b/c.txt", "Ünï/é.txt", "e\u0301.txt", "q\"uote.txt", "b\\s.txt", "😀.bin", "tab\t.txt" };

    private static string Model(PairState state) => string.Join("\n", state.Records.Values.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r =>
        $"{r.Key} S({r.SourceSize},{r.SourceMtime},{r.SourceId},{r.SourceHash},{r.SourcePath}) D({r.DestinationSize},{r.DestinationMtime},{r.DestinationId},{r.DestinationHash},{r.DestinationPath})"));

    private static PairState BaseState()
    {
        var state = new PairState("p", "s", "d");
        state.Set("a.txt", new FileVersion("a.txt", 1, Epoch, 11, H1), new FileVersion("a.txt", 1, Epoch, 12, H1));
        state.Set("b/c.txt", new FileVersion("b/c.txt", 2, Epoch + 1, 21, null), new FileVersion("b/c.txt", 2, Epoch + 1, 22, H2));
        state.Dirty = false;
        return state;
    }

    private static FileVersion RandomVersion(Random rng, string key) => new(
        rng.Next(5) == 0 ? key.Normalize(NormalizationForm.FormD) + "x" : key,
        rng.Next(4) == 0 ? long.MaxValue : rng.Next(0, 1_000_000),
        rng.Next(4) switch { 0 => Epoch - rng.NextInt64(1, 1_000_000_000_000), 1 => Epoch + (rng.NextInt64(0, 2_000_000_000) * 10_000_000), _ => Epoch + rng.NextInt64(0, 20_000_000_000_000_000) },
        rng.Next(3) == 0 ? 0 : (ulong)rng.NextInt64(1, long.MaxValue),
        rng.Next(5) switch { 0 => null, 1 => H1.ToUpperInvariant(), 2 => "d41d8cd98f00b204e9800998ecf8427e", 3 => H2, _ => H1 });

    /// <summary>Lines as the engine's journal writer makes them.</summary>
    private static List<string> WrittenLines(Random rng, int count)
    {
        var dir = Path.Combine(Path.GetTempPath(), "se-journal-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var j = new Journal(dir))
            {
                for (var i = 0; i < count; i++)
                {
                    var key = Keys[rng.Next(Keys.Length)];
                    if (rng.Next(4) == 0)
                    {
                        j.RecordRemove(key);
                    }
                    else
                    {
                        j.RecordSet(key, RandomVersion(rng, key), RandomVersion(rng, key));
                    }
                }
            }

            return File.ReadAllText(Path.Combine(dir, StateStore.JournalFile)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Other spellings of the same entries (and some that are not entries at all).</summary>
    private static string Respell(string line, Random rng)
    {
        using var doc = JsonDocument.Parse(line);
        var props = doc.RootElement.EnumerateObject().Select(p => (p.Name, Text: p.Value.GetRawText())).ToList();
        string Obj(IEnumerable<(string Name, string Text)> ps, string ws = "") => "{" + ws + string.Join("," + ws, ps.Select(p => JsonSerializer.Serialize(p.Name) + ws + ":" + ws + p.Text)) + ws + "}";
        string Version(string text, Func<List<(string Name, string Text)>, List<(string Name, string Text)>> change)
        {
            using var v = JsonDocument.Parse(text);
            return Obj(change(v.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())).ToList()));
        }

        List<(string Name, string Text)> MapVersions(Func<List<(string Name, string Text)>, List<(string Name, string Text)>> change) =>
            props.Select(p => p.Name is "s" or "d" ? (p.Name, Version(p.Text, change)) : p).ToList();

        var key = doc.RootElement.GetProperty("key").GetString()!;
        switch (rng.Next(16))
        {
            case 0: return Obj(props.OrderBy(_ => rng.Next()));
            case 1: return Obj(props, " \t");
            case 2: return Obj(props.Append(("extra", "[1,{\"op\":\"del\"}]")));
            case 3: return Obj(MapVersions(v => v.Append(("path", "null")).ToList()));
            case 4: return Obj(MapVersions(v => v.Where(f => f.Name != "path").Append(("path", JsonSerializer.Serialize(key))).ToList()));
            case 5: return Obj(MapVersions(v => v.Where(f => f.Name != "hash").Append(("hash", "null")).ToList()));
            case 6: return Obj(MapVersions(v => v.Select(f => f.Name == "mtime" ? (f.Name, decimal.Parse(f.Text, CultureInfo.InvariantCulture).ToString("E20", CultureInfo.InvariantCulture)) : f).ToList()));
            case 7: return Obj(MapVersions(v => v.Select(f => f.Name == "mtime" && !f.Text.Contains('.') ? (f.Name, f.Text + ".000000000") : f).ToList()));
            case 8: return Obj(props.Select(p => p.Name == "key" ? (p.Name, "\"" + string.Concat(key.Select(c => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture))) + "\"") : p));
            case 9: return Obj(props.Prepend(("key", "\"other.txt\"")));
            case 10: return Obj(props.Select(p => p.Name == "op" ? (p.Name, rng.Next(2) == 0 ? "\"mv\"" : "null") : p));
            case 11: return Obj(props.Where(p => p.Name != (rng.Next(2) == 0 ? "s" : "key")));
            case 12: return Obj(MapVersions(v => v.Where(f => f.Name != (rng.Next(2) == 0 ? "size" : "mtime")).ToList()));
            case 13: return Obj(MapVersions(v => v.Select(f => f.Name == "size" ? (f.Name, rng.Next(2) == 0 ? "\"5\"" : "-7") : f).ToList()));
            case 14: return Obj(props) + (rng.Next(2) == 0 ? " " : " x");
            default: return line.Substring(0, rng.Next(line.Length)); // torn
        }
    }

    private static int LegacyReplay(byte[] journal, PairState state)
    {
        // The previous StateStore.ReplayJournal, verbatim but for the reader it calls.
        var n = 0;
        using var reader = new StreamReader(new MemoryStream(journal), new UTF8Encoding(false));
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                LegacyJournal.Apply(line, state);
                n++;
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
            {
            }
        }

        return n;
    }

    private static void SameReplay(byte[] journal, string what)
    {
        var expected = BaseState();
        var actual = BaseState();
        var nExpected = LegacyReplay(journal, expected);
        var nActual = Journal.Replay(new MemoryStream(journal), actual);
        Assert.True(nExpected == nActual, $"{what}: {nExpected} entries applied before, {nActual} now\n{Encoding.UTF8.GetString(journal)}");
        Assert.True(Model(expected) == Model(actual), $"{what}: different state\n{Encoding.UTF8.GetString(journal)}\nexpected:\n{Model(expected)}\nactual:\n{Model(actual)}");
        Assert.Equal(expected.Dirty, actual.Dirty);
    }

    [Fact]
    public void Replay_reads_every_line_as_the_previous_replay_did()
    {
        var rng = new Random(31337);
        var lines = WrittenLines(rng, 600);
        var variants = 0;
        foreach (var line in lines)
        {
            SameReplay(Encoding.UTF8.GetBytes(line + "\n"), "as written");
            for (var k = 0; k < 4; k++)
            {
                SameReplay(Encoding.UTF8.GetBytes(Respell(line, rng) + "\n"), "respelled");
                variants++;
            }
        }

        Assert.True(variants >= 2400);
    }

    [Fact]
    public void Replay_of_whole_damaged_journals_matches_the_previous_replay()
    {
        var rng = new Random(2718);
        for (var i = 0; i < 300; i++)
        {
            var lines = WrittenLines(rng, rng.Next(1, 25)).Select(l => rng.Next(5) == 0 ? Respell(l, rng) : l);
            var bytes = Encoding.UTF8.GetBytes(string.Join(rng.Next(3) == 0 ? "\r\n" : "\n", lines) + (rng.Next(2) == 0 ? "\n" : ""));
            if (rng.Next(2) == 0 && bytes.Length > 0)
            {
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256); // garbage, invalid UTF-8, a stray line break…
            }

            if (rng.Next(4) == 0)
            {
                bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(bytes).ToArray();
            }

            SameReplay(bytes, $"journal {i}");
        }
    }

    [Fact]
    public void A_torn_last_line_does_not_swallow_the_next_runs_first_entry()
    {
        using var t = new TestPair();
        Directory.CreateDirectory(t.StateDir);
        var path = Path.Combine(t.StateDir, StateStore.JournalFile);
        using (var j = new Journal(t.StateDir))
        {
            j.RecordSet("a.txt", new FileVersion("a.txt", 1, Epoch, 1, H1), new FileVersion("a.txt", 1, Epoch, 2, H1));
            j.RecordSet("b.txt", new FileVersion("b.txt", 2, Epoch, 3, H2), new FileVersion("b.txt", 2, Epoch, 4, H2));
        }

        // Killed in the middle of writing b's line.
        var written = File.ReadAllBytes(path);
        File.WriteAllBytes(path, written[..(written.Length - 40)]);

        // The next run appends c.
        using (var j = new Journal(t.StateDir))
        {
            j.RecordSet("c.txt", new FileVersion("c.txt", 3, Epoch, 5, H1), new FileVersion("c.txt", 3, Epoch, 6, H1));
        }

        var state = new PairState("p", "s", "d");
        using (var fs = File.OpenRead(path))
        {
            Assert.Equal(2, Journal.Replay(fs, state));
        }

        Assert.Equal(new[] { "a.txt", "c.txt" }, state.Records.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(6UL, state.Records["c.txt"].DestinationId);
    }

    [Fact]
    public void A_complete_last_line_without_its_line_break_still_counts_and_so_does_the_next()
    {
        using var t = new TestPair();
        Directory.CreateDirectory(t.StateDir);
        var path = Path.Combine(t.StateDir, StateStore.JournalFile);
        File.WriteAllText(path, $"{{\"op\":\"set\",\"key\":\"a.txt\",\"s\":{{\"size\":1,\"mtime\":1700000000,\"id\":1,\"hash\":\"{H1}\"}},\"d\":{{\"size\":1,\"mtime\":1700000000,\"id\":2,\"hash\":\"{H1}\"}}}}");

        using (var j = new Journal(t.StateDir))
        {
            j.RecordRemove("gone.txt");
            j.RecordSet("c.txt", new FileVersion("c.txt", 3, Epoch, 5, null), new FileVersion("c.txt", 3, Epoch, 6, null));
        }

        var state = new PairState("p", "s", "d");
        using (var fs = File.OpenRead(path))
        {
            Assert.Equal(3, Journal.Replay(fs, state));
        }

        Assert.Equal(new[] { "a.txt", "c.txt" }, state.Records.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(Epoch + (1_700_000_000 * 10_000_000L), state.Records["a.txt"].SourceMtime);
    }

    [Fact]
    public void Replay_over_a_snapshot_applies_removals_and_re_additions_in_order_and_twice_is_the_same_as_once()
    {
        using var t = new TestPair();
        var pair = t.Pair();
        var state = new PairState(pair.Id, pair.Source, pair.Destination);
        FileVersion V(string key, long size, ulong id, string? hash) => new(key, size, Epoch + size, id, hash);
        state.Set("a.txt", V("a.txt", 1, 1, H1), V("a.txt", 1, 2, H1));
        state.Set("b.txt", V("b.txt", 2, 3, H1), V("b.txt", 2, 4, H1));
        state.Set("c.txt", V("c.txt", 3, 5, H1), V("c.txt", 3, 6, H1));
        StateStore.Save(t.StateDir, state, pair);

        using (var j = new Journal(t.StateDir))
        {
            j.RecordRemove("a.txt");
            j.RecordSet("a.txt", V("a.txt", 10, 7, H2), V("a.txt", 10, 8, H2));
            j.RecordRemove("b.txt");
            j.RecordSet("d.txt", V("d.txt", 4, 9, null), V("d.txt", 4, 10, null));
            j.RecordRemove("d.txt");
            j.RecordSet("c.txt", V("c.txt", 30, 11, H2), V("c.txt", 30, 12, null));
            j.RecordRemove("c.txt");
            j.RecordSet("c.txt", V("c.txt", 300, 13, H1), V("c.txt", 300, 14, H2));
            j.RecordRemove("never-there.txt");
        }

        string Expected(PairState s) => Model(s);
        var once = StateStore.Load(t.StateDir, pair);
        Assert.Equal(9, once.JournalEntriesReplayed);
        Assert.Equal(new[] { "a.txt", "c.txt" }, once.State!.Records.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal((10L, 8UL, H2), (once.State.Records["a.txt"].DestinationSize, once.State.Records["a.txt"].DestinationId, once.State.Records["a.txt"].DestinationHash));
        Assert.Equal((300L, H1, H2), (once.State.Records["c.txt"].SourceSize, once.State.Records["c.txt"].SourceHash, once.State.Records["c.txt"].DestinationHash));

        // The same journal again (a crash after the trees absorbed it but before it was emptied) changes nothing.
        var twice = StateStore.Load(t.StateDir, pair).State!;
        using (var fs = File.OpenRead(Path.Combine(t.StateDir, StateStore.JournalFile)))
        {
            Journal.Replay(fs, twice);
        }

        Assert.Equal(Expected(once.State), Expected(twice));

        // Folded into the trees, it reads the same.
        once.State.LastOutcome = "Succeeded";
        once.State.TreesOnDisk = false;
        StateStore.Save(t.StateDir, once.State, pair);
        Assert.Equal(0, new FileInfo(Path.Combine(t.StateDir, StateStore.JournalFile)).Length);
        Assert.Equal(Expected(twice), Expected(StateStore.Load(t.StateDir, pair).State!));
    }
    [Fact]
    public void Move_lines_carry_the_record_to_the_new_key_in_the_written_and_in_a_respelled_shape()
    {
        var state = new PairState("p", "s", "d");
        var hash = new string('a', 64);
        state.Set("a", new FileVersion("a", 10, 100, 7, hash), new FileVersion("a", 10, 100, 8, hash));
        state.Set("other", new FileVersion("other", 1, 1, 1, null), new FileVersion("other", 1, 1, 2, null));
        var journal = Encoding.UTF8.GetBytes(
            "{\"op\":\"mv\",\"key\":\"b\",\"from\":\"a\"}\n" +
            "{ \"from\" : \"b\", \"op\": \"mv\", \"key\": \"c\" }\n" +
            "{\"op\":\"mv\",\"key\":\"x\",\"from\":\"nothing-here\"}\n" +
            "{\"op\":\"mv\",\"key\":\"y\"}\n");

        var applied = Journal.Replay(new MemoryStream(journal), state);

        Assert.Equal(3, applied); // the line without "from" is not an entry
        Assert.Equal(new[] { "c", "other" }, state.Records.Keys.OrderBy(k => k, StringComparer.Ordinal));
        var c = state.Records["c"];
        Assert.Equal((10L, 100L, 7UL, hash), (c.SourceSize, c.SourceMtime, c.SourceId, c.SourceHash));
        Assert.Equal((10L, 100L, 8UL, hash), (c.DestinationSize, c.DestinationMtime, c.DestinationId, c.DestinationHash));
        Assert.Null(c.SourcePath);
    }
}
