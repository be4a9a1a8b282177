using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Core's own NFC (<see cref="UnicodeNfc"/>) against the runtime's ICU-backed <see cref="string.Normalize(NormalizationForm)"/>
/// (this test process runs with full globalization).
/// </summary>
/// <remarks>
/// The filter: only code points assigned in the Unicode version of Core's data (<see cref="UnicodeAssigned"/>,
/// generated with it) are used, and no surrogate halves. ICU may know a newer Unicode, where a code point unassigned
/// in ours can have a combining class or a mapping; for assigned ones the stability policy keeps NFC the same in every
/// later version.
/// </remarks>
public sealed class UnicodeNfcTests
{
    /// <summary>Marks that compose, block or reorder, of several classes, and starters that compose backwards.</summary>
    private static readonly int[] Marks =
    {
        0x0300, 0x0301, 0x0302, 0x0303, 0x0306, 0x0307, 0x0308, 0x030A, 0x030C, 0x0313, 0x031B, 0x0323, 0x0327,
        0x0328, 0x0334, 0x0342, 0x0345, 0x05B4, 0x0653, 0x0654, 0x093C, 0x09BE, 0x09D7, 0x0B56, 0x0BBE, 0x0CD5,
        0x0D3E, 0x0F72, 0x0F80, 0x102E, 0x1161, 0x1175, 0x11A8, 0x11C2, 0x1B35, 0x302A, 0x3099, 0x309A, 0x110BA,
        0x11127, 0x1133E, 0x114BD, 0x115AF, 0x11930, 0x1D165, 0x1D16E, 0x1E944,
    };

    [SkippableFact]
    public void Every_assigned_code_point_on_its_own_is_normalized_as_icu_does()
    {
        SkipWithoutIcu();
        var failures = new List<string>();
        foreach (var cp in AssignedCodePoints())
        {
            Check(char.ConvertFromUtf32(cp), failures);
        }

        Assert.True(failures.Count == 0, Report(failures));
    }

    [SkippableFact]
    public void Every_assigned_code_point_followed_by_each_mark_is_normalized_as_icu_does()
    {
        SkipWithoutIcu();
        var failures = new List<string>();
        var marks = Marks.Select(char.ConvertFromUtf32).ToArray();
        foreach (var cp in AssignedCodePoints())
        {
            var s = char.ConvertFromUtf32(cp);
            foreach (var mark in marks)
            {
                Check(s + mark, failures);
            }

            Check(s + "\u0323\u0307", failures); // two marks in canonical order
            Check(s + "\u0307\u0323", failures); // and out of it
        }

        Assert.True(failures.Count == 0, Report(failures));
    }

    [SkippableFact]
    public void Every_decomposed_form_composes_as_icu_does()
    {
        SkipWithoutIcu();
        var failures = new List<string>();
        var decomposable = 0;
        foreach (var cp in AssignedCodePoints())
        {
            var s = char.ConvertFromUtf32(cp);
            var nfd = s.Normalize(NormalizationForm.FormD);
            if (nfd != s)
            {
                decomposable++;
                Check(nfd, failures);
                Check(nfd + "\u0301", failures);
                Check("a" + nfd, failures);
                Assert.Equal(s.Normalize(NormalizationForm.FormC), UnicodeNfc.Normalize(nfd));
            }

            var nfkd = s.Normalize(NormalizationForm.FormKD);
            if (nfkd != s && nfkd != nfd)
            {
                Check(nfkd, failures);
            }
        }

        Assert.True(decomposable > 13_000, $"only {decomposable} code points decompose");
        Assert.True(failures.Count == 0, Report(failures));
    }

    [SkippableFact]
    public void Hangul_syllables_and_jamo_compose_and_decompose_as_icu_does()
    {
        SkipWithoutIcu();
        var failures = new List<string>();
        for (var s = 0xAC00; s <= 0xD7A3; s++)
        {
            var syllable = ((char)s).ToString();
            Check(syllable, failures);
            Check(syllable.Normalize(NormalizationForm.FormD), failures);
            Check(syllable + "\u11A8", failures);
            Check(syllable + "\u11A7", failures); // not a trailing consonant: TBase itself
            Check(syllable + "\u11C3", failures); // past the last trailing consonant
            Check(syllable + "\u0301\u11A8", failures);
        }

        // Every leading consonant (and the code points either side) with every vowel, with and without a trailing one.
        for (var l = 0x10FF; l <= 0x1114; l++)
        {
            for (var v = 0x1160; v <= 0x1176; v++)
            {
                var lv = new string(new[] { (char)l, (char)v });
                Check(lv, failures);
                for (var t = 0x11A6; t <= 0x11C4; t++)
                {
                    Check(lv + (char)t, failures);
                }
            }
        }

        Assert.Equal("\uD55C\uAE00", UnicodeNfc.Normalize("\u1112\u1161\u11AB\u1100\u1173\u11AF"));
        Assert.True(failures.Count == 0, Report(failures));
    }

    [SkippableFact]
    public void Random_sequences_over_the_interesting_ranges_are_normalized_as_icu_does()
    {
        SkipWithoutIcu();

        // Code points NFC does something with: marks, anything with a canonical decomposition or that composes,
        // Hangul jamo and some syllables, and a few plain letters; all assigned in Core's Unicode version.
        var pool = AssignedCodePoints()
            .Where(cp =>
            {
                var s = char.ConvertFromUtf32(cp);
                return UnicodeNfc.CombiningClass(cp) != 0 || s.Normalize(NormalizationForm.FormD) != s
                    || cp is >= 0x1100 and <= 0x11FF || Marks.Contains(cp);
            })
            .Concat(new[] { 'a', 'e', 'o', 'A', 'S', 0x3B1, 0x3C9, 0x627, 0x915, 0xAC00, 0xAC01, 0xD7A3, 0x4E00 })
            .ToArray();
        var random = new Random(20261203);
        var failures = new List<string>();
        var sb = new StringBuilder();
        for (var n = 0; n < 5000; n++)
        {
            sb.Clear();
            var length = random.Next(1, 9);
            for (var i = 0; i < length; i++)
            {
                var cp = random.Next(4) == 0 ? Marks[random.Next(Marks.Length)] : pool[random.Next(pool.Length)];
                sb.Append(char.ConvertFromUtf32(cp));
            }

            Check(sb.ToString(), failures);
            Check(sb.ToString().Normalize(NormalizationForm.FormD), failures);
        }

        Assert.True(pool.Length > 5000, $"the pool has only {pool.Length} code points");
        Assert.True(failures.Count == 0, Report(failures));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain/ascii.txt")]
    [InlineData("caf\u00E9/\u00FCber \u00C5ngstr\u00F6m.txt")] // NFC already
    [InlineData("\u00C0\u02FF")] // everything below U+0300
    [InlineData("\uD55C\uAE00 \u4E2D\u6587 \U0001F600")] // Hangul syllables, ideographs, a surrogate pair
    public void A_string_already_in_nfc_is_returned_as_it_is(string text)
    {
        Assert.Same(text, UnicodeNfc.Normalize(text));
        Assert.True(UnicodeNfc.IsNormalized(text));
    }

    [Theory]
    [InlineData("cafe\u0301.txt", "caf\u00E9.txt")]
    [InlineData("A\u030A", "\u00C5")]
    [InlineData("\u212B", "\u00C5")] // ANGSTROM SIGN: a singleton
    [InlineData("a\u0323\u0302", "\u1EAD")] // composes through a mark of a lower class
    [InlineData("a\u0302\u0323", "\u1EAD")] // reordered first
    [InlineData("\u0958", "\u0915\u093C")] // a composition exclusion stays decomposed
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")] // excluded, outside the BMP
    [InlineData("\U00011099\U000110BA", "\U0001109A")] // composes outside the BMP
    [InlineData("\u0344", "\u0308\u0301")] // a non-starter decomposition
    public void Decomposed_excluded_and_reordered_forms_normalize(string text, string expected)
    {
        Assert.Equal(expected, UnicodeNfc.Normalize(text));
        Assert.False(UnicodeNfc.IsNormalized(text));
    }

    [Theory]
    [InlineData("\uD800", "\uD800")]
    [InlineData("e\u0301\uDC00", "\u00E9\uDC00")]
    [InlineData("\uD800e\u0301", "\uD800\u00E9")]
    [InlineData("\uDC00\u0301", "\uDC00\u0301")] // a lone surrogate is a starter nothing composes with
    [InlineData("\uDBFF\u0323\u0301", "\uDBFF\u0323\u0301")]
    public void Unpaired_surrogates_are_kept_as_icu_keeps_them(string text, string expected)
    {
        Assert.Equal(expected, UnicodeNfc.Normalize(text));
        if (IcuNormalizes)
        {
            Assert.Equal(expected, text.Normalize(NormalizationForm.FormC));
        }
    }

    [Fact]
    public void The_quick_check_threshold_is_the_first_code_point_nfc_may_change()
    {
        // Below it: class 0 and no mapping NFC applies; at it: U+0300 COMBINING GRAVE ACCENT.
        Assert.Equal(0x300, UnicodeNfc.QuickCheckBelow);
        Assert.Equal(230, UnicodeNfc.CombiningClass(0x300));
        Assert.Equal(0, UnicodeNfc.CombiningClass(0x2FF));
    }

    [Fact]
    public void Path_keys_and_ignore_rules_use_cores_nfc()
    {
        Assert.Equal("caf\u00E9/r\u00E9sum\u00E9.txt", PathRules.Key("cafe\u0301/re\u0301sume\u0301.txt"));
        var rules = SyncEngine.Ignore.IgnoreRules.Parse("*cafe\u0301.txt", "test");
        Assert.True(rules.IsIgnored("caf\u00E9.txt", isDirectory: false));
    }

    [SkippableFact]
    public void The_committed_data_is_what_the_generator_writes()
    {
        var root = RepoRoot();
        Skip.If(root is null, "the repository (tools/UnicodeNfc/generate.py) is not above the test assembly");
        var version = RunPython("-c \"import unicodedata; print(unicodedata.unidata_version)\"", out var output);
        Skip.If(version != 0, "python3 is not on PATH");
        Skip.If(output.Trim() != UnicodeNfc.UnicodeVersion,
            $"python3's unicodedata is Unicode {output.Trim()}, the data was generated from {UnicodeNfc.UnicodeVersion}");

        var outDir = Path.Combine(Path.GetTempPath(), "se-unicode-" + Guid.NewGuid().ToString("N"));
        try
        {
            var script = Path.Combine(root!, "tools", "UnicodeNfc", "generate.py");
            Assert.True(RunPython($"\"{script}\" --out-dir \"{outDir}\"", out var log) == 0, log);
            foreach (var relative in new[] { "src/SyncEngine.Core/Storage/UnicodeNfc.Data.g.cs", "tests/SyncEngine.Core.Tests/Support/UnicodeAssigned.g.cs" })
            {
                Assert.True(
                    File.ReadAllText(Path.Combine(root!, relative)) == File.ReadAllText(Path.Combine(outDir, relative)),
                    $"{relative} differs from what tools/UnicodeNfc/generate.py writes: run it again");
            }
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    /// <summary>Compares Core's NFC of <paramref name="s"/> with ICU's, and the two "is it NFC" answers.</summary>
    private static void Check(string s, List<string> failures)
    {
        var expected = s.Normalize(NormalizationForm.FormC);
        var actual = UnicodeNfc.Normalize(s);

        // Core says "already NFC" by returning the same instance; ICU's IsNormalized would only repeat its Normalize.
        if (actual != expected || ReferenceEquals(actual, s) != (expected == s))
        {
            failures.Add($"{Hex(s)}: expected {Hex(expected)}, got {Hex(actual)}");
        }
    }

    private static string Report(List<string> failures) =>
        $"{failures.Count} strings differ from ICU:\n" + string.Join("\n", failures.Take(40));

    private static string Hex(string s)
    {
        var parts = new List<string>();
        for (var i = 0; i < s.Length; i++)
        {
            var cp = char.ConvertToUtf32(s, i);
            parts.Add(cp.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            if (cp >= 0x10000)
            {
                i++;
            }
        }

        return "[" + string.Join(" ", parts) + "]";
    }

    /// <summary>Code points assigned in Core's Unicode version, surrogate halves left out.</summary>
    private static IEnumerable<int> AssignedCodePoints()
    {
        Assert.Equal(UnicodeNfc.UnicodeVersion, UnicodeAssigned.UnicodeVersion);
        for (var i = 0; i < UnicodeAssigned.Ranges.Length; i += 2)
        {
            for (var cp = UnicodeAssigned.Ranges[i]; cp <= UnicodeAssigned.Ranges[i + 1]; cp++)
            {
                if (cp is < 0xD800 or > 0xDFFF)
                {
                    yield return cp;
                }
            }
        }
    }

    private static bool IcuNormalizes => "e\u0301".Normalize(NormalizationForm.FormC) == "\u00E9";

    private static void SkipWithoutIcu() =>
        Skip.IfNot(IcuNormalizes, "the runtime has no Unicode normalization (invariant globalization or no ICU)");

    private static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "tools", "UnicodeNfc", "generate.py")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static int RunPython(string arguments, out string output)
    {
        try
        {
            var psi = new ProcessStartInfo("python3", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            output = p.StandardOutput.ReadToEnd() + err.GetAwaiter().GetResult();
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return -1;
        }
    }
}
