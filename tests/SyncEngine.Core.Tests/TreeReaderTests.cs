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
/// The tree file reader: its hand-written scanner for the shape the engine writes must give exactly what the general
/// JSON path gives (and what the reader before it gave), on generated trees of every shape, hostile ones included.
/// </summary>
public class TreeReaderTests
{
    private const long Epoch = 621355968000000000L;

    // ---------------------------------------------------------------- generated trees

    private static readonly string[] KeyParts =
    {
        "a.txt", "docs", "f", "Ünïcödé", "e\u0301", "日本語", "😀", "with space", "quote\"d", "back\\slash", "tab\tname",
        "ctl\u0001", "slash/inner", "x", "y.bin", "\u007f", "long-" + new string('n', 120),
    };

    /// <summary>How an entry is spelled: the engine's own shape, or one of the other valid spellings of the same values.</summary>
    private enum Spelling
    {
        Canonical,
        Whitespace,
        Reordered,
        UnknownFields,
        EscapedKey,
        ExplicitNullHash,
        ExponentTime,
        LongFraction,
        EscapedHash,
        RepeatedField,
    }

    private sealed record Side(long Size, long Ticks, ulong Id, string? Hash, string? Path);

    private static string RandomKey(Random rng)
    {
        var n = rng.Next(1, 4);
        return string.Join("/", Enumerable.Range(0, n).Select(_ => KeyParts[rng.Next(KeyParts.Length)] + (rng.Next(3) == 0 ? rng.Next(100).ToString(CultureInfo.InvariantCulture) : "")));
    }

    private static string RandomSha(Random rng)
    {
        var b = new byte[32];
        rng.NextBytes(b);
        return Convert.ToHexString(b).ToLowerInvariant();
    }

    private static Side RandomSide(Random rng, string key)
    {
        long size = rng.Next(6) switch { 0 => 0, 1 => long.MaxValue, 2 => rng.NextInt64(0, 1L << 40), _ => rng.Next(0, 100_000) };
        long ticks = rng.Next(8) switch
        {
            0 => Epoch,
            1 => Epoch - rng.NextInt64(1, 100_000_000_000), // before 1970
            2 => Epoch + (rng.NextInt64(0, 2_000_000_000) * 10_000_000), // whole seconds
            3 => DateTime.MaxValue.Ticks,
            4 => DateTime.MinValue.Ticks,
            5 => Epoch + (rng.NextInt64(0, 2_000_000_000) * 10_000_000) + (rng.Next(1, 10) * 1_000_000), // one decimal
            _ => Epoch + rng.NextInt64(0, 20_000_000_000_000_000),
        };
        ulong id = rng.Next(4) switch { 0 => 0, 1 => ulong.MaxValue, _ => (ulong)rng.NextInt64(1, long.MaxValue) };
        string? hash = rng.Next(8) switch
        {
            0 => null,
            1 => RandomSha(rng).ToUpperInvariant(),
            2 => "d41d8cd98f00b204e9800998ecf8427e",
            3 => "",
            _ => RandomSha(rng),
        };
        string? path = rng.Next(6) == 0 ? key.Normalize(NormalizationForm.FormD) + (rng.Next(2) == 0 ? "" : "\"q") : null;
        return new Side(size, ticks, id, hash, path);
    }

    private static string Escape(string s, bool escapeLetters, Random rng)
    {
        var sb = new StringBuilder();
        foreach (var c in s)
        {
            if (c == '"' || c == '\\')
            {
                sb.Append('\\').Append(c);
            }
            else if (c < 0x20)
            {
                sb.Append(rng.Next(2) == 0 && c == '\t' ? "\\t" : "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else if (escapeLetters && char.IsAsciiLetter(c) && rng.Next(2) == 0)
            {
                sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static string Seconds(long ticks) => ((ticks - Epoch) / 10_000_000m).ToString(CultureInfo.InvariantCulture);

    private static string Entry(string key, Side v, Spelling spelling, Random rng)
    {
        var ws = spelling == Spelling.Whitespace ? " \n\t " : "";
        var fields = new List<string>
        {
            $"\"size\"{ws}:{ws}{v.Size}",
            spelling switch
            {
                Spelling.ExponentTime => $"\"mtime\":{((v.Ticks - Epoch) / 10_000_000m).ToString("E20", CultureInfo.InvariantCulture)}",
                Spelling.LongFraction => $"\"mtime\":{Seconds(v.Ticks)}{(Seconds(v.Ticks).Contains('.') ? "" : ".")}{(rng.Next(2) == 0 ? "00" : "000000000")}",
                _ => $"\"mtime\"{ws}:{ws}{Seconds(v.Ticks)}",
            },
        };
        if (v.Id != 0)
        {
            fields.Add($"\"id\":{v.Id}");
        }

        if (v.Hash is not null)
        {
            fields.Add($"\"hash\":\"{Escape(v.Hash, spelling == Spelling.EscapedHash, rng)}\"");
        }
        else if (spelling == Spelling.ExplicitNullHash)
        {
            fields.Add("\"hash\":null");
        }

        if (v.Path is not null)
        {
            fields.Add($"\"path\":\"{Escape(v.Path, false, rng)}\"");
        }

        if (spelling == Spelling.Reordered)
        {
            fields = fields.OrderBy(_ => rng.Next()).ToList();
        }
        else if (spelling == Spelling.UnknownFields)
        {
            fields.Insert(rng.Next(fields.Count + 1), "\"extra\":[1,{\"nested\":\"}\"},null,true]");
            fields.Insert(rng.Next(fields.Count + 1), "\"more\":{\"size\":-5}");
        }
        else if (spelling == Spelling.RepeatedField)
        {
            fields.Insert(0, "\"size\":12345");
            fields.Insert(0, "\"hash\":\"0000\"");
        }

        var keyText = Escape(key, spelling == Spelling.EscapedKey, rng);
        return $"\"{keyText}\"{ws}:{ws}{{{ws}{string.Join("," + ws, fields)}{ws}}}";
    }

    private static byte[] Tree(IEnumerable<string> entries, Random rng, bool oddHeader)
    {
        var header = oddHeader
            ? "{ \"pairId\" : \"abc\", \"note\": {\"files\": 1}, \"format\": 1 , \"generation\":7,\n\"files\":{"
            : "{\"format\":1,\"pairId\":\"abc\",\"generation\":7,\"files\":{";
        var trailer = oddHeader ? "}, \"after\": [1, 2]\n}\n" : "}}";
        return Encoding.UTF8.GetBytes(header + string.Join(oddHeader ? ",\n" : ",", entries) + trailer);
    }

    /// <summary>A pair of tree files: the same keys in the same order as the engine writes them, or any other arrangement.</summary>
    private static (byte[] Source, byte[] Destination) RandomTrees(Random rng, double oddShare)
    {
        var keys = Enumerable.Range(0, rng.Next(0, 30)).Select(_ => RandomKey(rng)).Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToList();
        Spelling Pick() => rng.NextDouble() < oddShare ? (Spelling)rng.Next(1, Enum.GetValues<Spelling>().Length) : Spelling.Canonical;
        var src = new List<string>();
        var dst = new List<string>();
        foreach (var k in keys)
        {
            var s = RandomSide(rng, k);
            var d = rng.Next(3) == 0 ? RandomSide(rng, k) : s with { Id = s.Id + 1 };
            if (rng.Next(3) == 0)
            {
                d = d with { Hash = s.Hash };
            }

            src.Add(Entry(k, s, Pick(), rng));
            dst.Add(Entry(k, d, Pick(), rng));
        }

        switch (rng.Next(6))
        {
            case 0 when dst.Count > 1: // another order
                dst = dst.OrderBy(_ => rng.Next()).ToList();
                break;
            case 1 when dst.Count > 0: // a key only in the source
                dst.RemoveAt(rng.Next(dst.Count));
                break;
            case 2: // a key only in the destination
                dst.Insert(rng.Next(dst.Count + 1), Entry("only-dst", RandomSide(rng, "only-dst"), Spelling.Canonical, rng));
                break;
            case 3 when src.Count > 0: // a key repeated, with the same entry
                var i = rng.Next(src.Count);
                src.Insert(i, src[i]);
                dst.Insert(Math.Min(i, dst.Count), dst.Count > 0 ? dst[Math.Min(i, dst.Count - 1)] : src[i]);
                break;
        }

        var odd = rng.Next(4) == 0;
        return (Tree(src, rng, odd), Tree(dst, rng, odd));
    }

    // ---------------------------------------------------------------- reading

    private sealed class Outcome
    {
        public SortedDictionary<string, (SideModel S, SideModel D)>? Records;
        public string? Error;

        public override string ToString() => Error is not null
            ? "error: " + Error
            : string.Join("\n", Records!.Select(kv => $"{kv.Key} => {kv.Value.S} | {kv.Value.D}"));
    }

    private static Outcome ReadNew(byte[] source, byte[] destination, bool fast, int bufferSize)
    {
        try
        {
            var state = new PairState("abc", "s", "d");
            StateStore.ReadTrees(() => new MemoryStream(source), () => new MemoryStream(destination), state, fast, bufferSize);
            var model = new SortedDictionary<string, (SideModel, SideModel)>(StringComparer.Ordinal);
            foreach (var r in state.Records.Values)
            {
                Assert.True(r.HasDestination);
                model[r.Key] = (new SideModel(r.SourceSize, r.SourceMtime, r.SourceId, r.SourceHash, r.SourcePath),
                                new SideModel(r.DestinationSize, r.DestinationMtime, r.DestinationId, r.DestinationHash, r.DestinationPath));
            }

            return new Outcome { Records = model };
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or InvalidOperationException or OverflowException or KeyNotFoundException)
        {
            // The exception types StateStore.Load turns into "state unreadable".
            return new Outcome { Error = ex.GetType().Name };
        }
    }

    private static Outcome ReadLegacy(byte[] source, byte[] destination)
    {
        try
        {
            return new Outcome { Records = LegacyTreeReader.Read(source, destination) };
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or InvalidOperationException or OverflowException or KeyNotFoundException)
        {
            return new Outcome { Error = ex.GetType().Name };
        }
    }

    private static void SameOutcome(Outcome expected, Outcome actual, string what)
    {
        Assert.True((expected.Error is null) == (actual.Error is null), $"{what}: one read failed, the other did not\nexpected:\n{expected}\nactual:\n{actual}");
        if (expected.Records is not null)
        {
            Assert.True(expected.Records.SequenceEqual(actual.Records!), $"{what}: different records\nexpected:\n{expected}\nactual:\n{actual}");
        }
    }

    [Fact]
    public void Fast_general_and_previous_readers_agree_on_generated_valid_trees()
    {
        var rng = new Random(20250101);
        var fastShapes = 0;
        for (var i = 0; i < 400; i++)
        {
            var (src, dst) = RandomTrees(rng, oddShare: i % 4 == 0 ? 0 : 0.3);
            var legacy = ReadLegacy(src, dst);
            var general = ReadNew(src, dst, fast: false, bufferSize: 1 << 16);
            var fast = ReadNew(src, dst, fast: true, bufferSize: 1 << 16);
            var fastTiny = ReadNew(src, dst, fast: true, bufferSize: rng.Next(16, 200));
            SameOutcome(legacy, general, $"case {i}: previous reader vs general");
            SameOutcome(legacy, fast, $"case {i}: previous reader vs fast");
            SameOutcome(legacy, fastTiny, $"case {i}: previous reader vs fast with a tiny buffer");
            fastShapes += legacy.Records?.Count ?? 0;
        }

        Assert.True(fastShapes > 2000, $"the generator made too few records ({fastShapes}) to mean anything");
    }

    [Fact]
    public void Fast_and_general_readers_agree_on_damaged_trees()
    {
        var rng = new Random(424242);
        var failures = 0;
        var successes = 0;
        for (var i = 0; i < 1500; i++)
        {
            var (src, dst) = RandomTrees(rng, oddShare: 0.2);
            var damaged = rng.Next(2) == 0 ? src : dst;
            var at = damaged.Length == 0 ? 0 : rng.Next(damaged.Length);
            byte[] broken = rng.Next(6) switch
            {
                0 => damaged[..at], // torn
                1 => Replace(damaged, at, (byte)rng.Next(256)), // a byte changed
                2 => Replace(damaged, at, (byte)JsonBytes[rng.Next(JsonBytes.Length)]),
                3 => damaged[..at].Concat(new[] { (byte)JsonBytes[rng.Next(JsonBytes.Length)] }).Concat(damaged[at..]).ToArray(), // a byte inserted
                4 => damaged[..at].Concat(damaged[Math.Min(damaged.Length, at + rng.Next(1, 8))..]).ToArray(), // bytes cut out
                _ => damaged.Select(b => b == (byte)'1' && rng.Next(50) == 0 ? (byte)'0' : b).ToArray(), // leading zeros and other digit changes
            };
            var (s, d) = ReferenceEquals(damaged, src) ? (broken, dst) : (src, broken);
            var general = ReadNew(s, d, fast: false, bufferSize: 1 << 16);
            var fast = ReadNew(s, d, fast: true, bufferSize: 1 << 16);
            var fastTiny = ReadNew(s, d, fast: true, bufferSize: rng.Next(16, 120));
            SameOutcome(general, fast, $"damaged case {i}: general vs fast");
            SameOutcome(general, fastTiny, $"damaged case {i}: general vs fast with a tiny buffer");
            if (general.Error is null)
            {
                successes++;
            }
            else
            {
                failures++;
            }
        }

        // The damage must exercise both outcomes, or the comparison proves little.
        Assert.True(failures > 300 && successes > 300, $"{failures} unreadable, {successes} readable");
    }

    private const string JsonBytes = "0123456789-.eE+,:{}[]\"\\ \nantrul";

    private static byte[] Replace(byte[] bytes, int at, byte b)
    {
        var copy = (byte[])bytes.Clone();
        if (copy.Length > 0)
        {
            copy[at] = b;
        }

        return copy;
    }

    [Fact]
    public void Large_trees_read_in_step_and_by_key_give_the_same_records()
    {
        var rng = new Random(77);
        var keys = Enumerable.Range(0, 6000).Select(i => $"dir{i / 100:000}/{RandomKey(rng)}-{i:00000}").OrderBy(k => k, StringComparer.Ordinal).ToList();
        var src = keys.Select(k => Entry(k, RandomSide(rng, k), Spelling.Canonical, rng)).ToList();
        var dst = keys.Select(k => Entry(k, RandomSide(rng, k), rng.Next(50) == 0 ? Spelling.Reordered : Spelling.Canonical, rng)).ToList();
        var s = Tree(src, rng, false);
        var d = Tree(dst, rng, false);

        var inStep = ReadNew(s, d, fast: true, bufferSize: 4096);
        Assert.Equal(6000, inStep.Records!.Count);
        SameOutcome(ReadLegacy(s, d), inStep, "in step");

        // The destination parts ways with the source half-way (as after a crash between the two tree files):
        // the reader starts again by key.
        var swapped = dst.ToList();
        (swapped[3000], swapped[3001]) = (swapped[3001], swapped[3000]);
        SameOutcome(inStep, ReadNew(s, Tree(swapped, rng, false), fast: true, bufferSize: 4096), "parted ways");
        var shorter = dst.Where((_, i) => i != 4500).ToList();
        var expected = ReadLegacy(s, Tree(shorter, rng, false));
        Assert.Equal(5999, expected.Records!.Count);
        SameOutcome(expected, ReadNew(s, Tree(shorter, rng, false), fast: true, bufferSize: 4096), "one destination entry missing");

        // Cut short or damaged near the end: unreadable.
        Assert.NotNull(ReadNew(s, d[..^300], fast: true, bufferSize: 4096).Error);
        Assert.NotNull(ReadNew(s, Replace(d, d.Length - 200, 0x01), fast: true, bufferSize: 4096).Error);
        Assert.NotNull(ReadNew(s[..(s.Length / 2)], d, fast: true, bufferSize: 4096).Error);
    }

    [Fact]
    public void Trees_as_the_engine_writes_them_read_back_exactly()
    {
        using var t = new TestPair();
        var pair = t.Pair();
        var rng = new Random(7);
        var state = new PairState(pair.Id, pair.Source, pair.Destination);
        var expected = new Dictionary<string, (FileVersion S, FileVersion D)>(StringComparer.Ordinal);
        for (var i = 0; i < 3000; i++)
        {
            var key = RandomKey(rng) + "/" + i.ToString(CultureInfo.InvariantCulture);
            var s = RandomSide(rng, key);
            var d = rng.Next(2) == 0 ? s with { Id = s.Id ^ 1 } : RandomSide(rng, key);
            var sv = new FileVersion(s.Path ?? key, s.Size, s.Ticks, s.Id, s.Hash);
            var dv = new FileVersion(d.Path ?? key, d.Size, d.Ticks, d.Id, d.Hash);
            state.Set(key, sv, dv);
            expected[key] = (sv, dv);
        }

        StateStore.Save(t.StateDir, state, pair);
        var loaded = StateStore.Load(t.StateDir, pair);

        Assert.False(loaded.Unreadable, loaded.Warning);
        Assert.Equal(expected.Count, loaded.State!.Records.Count);
        foreach (var (key, (sv, dv)) in expected)
        {
            var r = loaded.State.Records[key];
            // Format 2 keeps hashes by algorithm: a SHA-256 reads back exactly; a value that is none is not kept.
            static string? Kept(string? h) => SyncEngine.Storage.HashAlgorithms.IsValid(SyncEngine.Storage.HashAlgorithms.Sha256, h) ? h : null;
            Assert.Equal((sv.Path, sv.Size, sv.MtimeTicks, sv.FileId, Kept(sv.Hash)), (r.Source.Path, r.Source.Size, r.Source.MtimeTicks, r.Source.FileId, r.Source.Hash));
            Assert.Equal((dv.Path, dv.Size, dv.MtimeTicks, dv.FileId, Kept(dv.Hash)), (r.Destination.Path, r.Destination.Size, r.Destination.MtimeTicks, r.Destination.FileId, r.Destination.Hash));
        }

        // And the reference reader (the previous reader taught format 2's "hashes") reads the writer's files the same way.
        var legacy = LegacyTreeReader.Read(File.ReadAllBytes(Path.Combine(t.StateDir, "source_tree.json")), File.ReadAllBytes(Path.Combine(t.StateDir, "destination_tree.json")));
        Assert.Equal(expected.Count, legacy.Count);
        foreach (var (key, (s, d)) in legacy)
        {
            Assert.Equal(expected[key].S.MtimeTicks, s.Mtime);
            Assert.Equal(SyncEngine.Storage.HashAlgorithms.IsValid(SyncEngine.Storage.HashAlgorithms.Sha256, expected[key].D.Hash) ? expected[key].D.Hash : null, d.Hash);
        }
    }

    [Fact]
    public void A_tree_written_by_the_previous_writer_reads_the_same()
    {
        // The previous engine wrote mtimes through decimal (Utf8JsonWriter.WriteNumber(decimal)); the same values,
        // written that way here, must load to the same ticks.
        using var t = new TestPair();
        var pair = t.Pair();
        long[] ticks = { Epoch, Epoch - 1, Epoch + 1, Epoch - 5_000_000, 638_000_000_000_000_001, DateTime.MaxValue.Ticks, DateTime.MinValue.Ticks, Epoch + 17_000_000_000_000_000 };
        byte[] Write(bool source)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                w.WriteNumber("format", 1);
                w.WriteString("pairId", pair.Id);
                w.WriteNumber("generation", 1);
                w.WriteStartObject("files");
                for (var i = 0; i < ticks.Length; i++)
                {
                    w.WriteStartObject("k" + i.ToString(CultureInfo.InvariantCulture));
                    w.WriteNumber("size", i);
                    w.WriteNumber("mtime", (ticks[i] - Epoch) / 10_000_000m);
                    w.WriteNumber("id", source ? 10 + i : 20 + i);
                    w.WriteString("hash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            return ms.ToArray();
        }

        Directory.CreateDirectory(t.StateDir);
        File.WriteAllBytes(Path.Combine(t.StateDir, "source_tree.json"), Write(true));
        File.WriteAllBytes(Path.Combine(t.StateDir, "destination_tree.json"), Write(false));
        File.WriteAllText(Path.Combine(t.StateDir, "sync_metadata.json"), $"{{\"format\":1,\"identities\":\"inode+birth\",\"pairId\":\"{pair.Id}\",\"generation\":1,\"files\":{ticks.Length}}}");

        var state = StateStore.Load(t.StateDir, pair).State!;

        for (var i = 0; i < ticks.Length; i++)
        {
            var r = state.Records["k" + i.ToString(CultureInfo.InvariantCulture)];
            Assert.Equal(ticks[i], r.SourceMtime);
            Assert.Equal(ticks[i], r.DestinationMtime);
            Assert.Equal((ulong)(10 + i), r.SourceId);
            Assert.Equal((ulong)(20 + i), r.DestinationId);
        }
    }

    // ---------------------------------------------------------------- times and hashes

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("0.5")]
    [InlineData("-0.5")]
    [InlineData("-0.0000001")]
    [InlineData("1795329815.9672869")]
    [InlineData("1795329815.967")]
    [InlineData("1700000000")]
    [InlineData("-62135596800")]
    [InlineData("253402300799.9999999")]
    [InlineData("99999999999.9999999")]
    [InlineData("-99999999999.9999999")]
    [InlineData("860000000000.9999999")]
    [InlineData("860201606885.4775807")] // long.MaxValue ticks
    [InlineData("-900000000000.9999999")]
    [InlineData("1.0000000")]
    [InlineData("12.3400000")]
    public void Integer_time_parsing_equals_the_decimal_path(string text)
    {
        Assert.True(TimeCodec.TryParseTicks(Encoding.ASCII.GetBytes(text), out var ticks));
        Assert.Equal(TimeCodec.FromUnixSeconds(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)), ticks);
    }

    [Theory]
    [InlineData("1.23456789")] // more than 7 decimals: the decimal path rounds
    [InlineData("1.00000005")]
    [InlineData("1e3")]
    [InlineData("1E+3")]
    [InlineData("1.5e-3")]
    [InlineData("01")]
    [InlineData("-01.5")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+1")]
    [InlineData("1234567890123")] // 13 digits of seconds
    [InlineData("900000000001")] // near the end of the range: the decimal path decides
    [InlineData("-900000000001")]
    [InlineData("860201606885.4775808")] // one tick past long.MaxValue
    [InlineData("1 ")]
    [InlineData("1.5x")]
    public void Integer_time_parsing_declines_every_other_form(string text)
    {
        Assert.False(TimeCodec.TryParseTicks(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Time_formatting_writes_what_the_decimal_writer_wrote()
    {
        var rng = new Random(99);
        var values = new List<long> { 0, 1, -1, long.MaxValue, long.MinValue, long.MinValue + 1, Epoch, Epoch + 1, Epoch - 1, Epoch + 10_000_000, Epoch - 10_000_000, Epoch - 5_000_000, DateTime.MaxValue.Ticks, DateTime.MinValue.Ticks };
        for (var i = 0; i < 20000; i++)
        {
            values.Add(rng.Next(4) switch
            {
                0 => rng.NextInt64(long.MinValue, long.MaxValue),
                1 => Epoch + (rng.NextInt64(-3_000_000_000, 3_000_000_000) * 10_000_000),
                2 => Epoch + (rng.NextInt64(-3_000_000_000, 3_000_000_000) * 10_000_000) + (rng.Next(0, 10) * (long)Math.Pow(10, rng.Next(0, 7))),
                _ => rng.NextInt64(0, DateTime.MaxValue.Ticks),
            });
        }

        Span<byte> buffer = stackalloc byte[TimeCodec.MaxFormattedLength];
        foreach (var ticks in values)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteNumberValue(TimeCodec.ToUnixSeconds(ticks));
            }

            var expected = Encoding.ASCII.GetString(ms.ToArray());
            var actual = Encoding.ASCII.GetString(buffer[..TimeCodec.FormatUnixSeconds(ticks, buffer)]);
            Assert.Equal(expected, actual);

            // Whatever is written reads back to the same ticks, by both paths (except where the offset wrapped).
            if (ticks - Epoch == (decimal)ticks - Epoch && TimeCodec.TryParseTicks(Encoding.ASCII.GetBytes(actual), out var back))
            {
                Assert.Equal(ticks, back);
            }
        }
    }

    [Fact]
    public void Sha256_values_read_lowercase_hex_only_and_write_it_back()
    {
        var rng = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var hex = RandomSha(rng);
            Assert.True(Sha256Value.TryParse(hex, out var v));
            Assert.True(Sha256Value.TryParse(Encoding.ASCII.GetBytes(hex), out var w));
            Assert.Equal(v, w);
            Assert.True(Sha256Value.TryParsePortable(Encoding.ASCII.GetBytes(hex), out var portable));
            Assert.Equal(v, portable);
            Assert.Equal(hex, v.ToHex());
            var utf8 = new byte[64];
            v.WriteHex(utf8);
            Assert.Equal(hex, Encoding.ASCII.GetString(utf8));
            var j = rng.Next(64);
            var other = hex[..j] + (hex[j] == '0' ? '1' : '0') + hex[(j + 1)..];
            Assert.True(Sha256Value.TryParse(other, out var o));
            Assert.NotEqual(v, o);
        }

        const string alphabet = "0123456789abcdefABCDEFgG /\u00e9";
        for (var i = 0; i < 5000; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(new string(Enumerable.Range(0, 64).Select(_ => rng.Next(40) == 0 ? alphabet[rng.Next(alphabet.Length)] : "0123456789abcdef"[rng.Next(16)]).ToArray()));
            var runtime = Sha256Value.TryParse(bytes, out var a);
            Assert.Equal(runtime, Sha256Value.TryParsePortable(bytes, out var b));
            Assert.Equal(a, b);
        }

        foreach (var bad in new[] { new string('A', 64), "9F" + new string('0', 62), new string('0', 63), new string('0', 65), new string('0', 63) + "g", new string('0', 63) + " ", " " + new string('0', 63), new string('0', 62) + "é", "" })
        {
            Assert.False(Sha256Value.TryParse(bad, out _), bad);
            Assert.False(Sha256Value.TryParse(Encoding.UTF8.GetBytes(bad), out _), bad);
            Assert.False(Sha256Value.TryParsePortable(Encoding.UTF8.GetBytes(bad), out _), bad);
        }
    }
}
