using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using SyncEngine.Ignore;
using Xunit;

namespace SyncEngine.Core.Tests;

public sealed class IgnoreRulesTests
{
    private static IgnoreRules Rules(string text, bool ignoreCase = false) => IgnoreRules.Parse(text, "test.syncignore", ignoreCase);

    // Rules (lines joined by '\n'), path, is it a folder, expected. Every row was checked against
    // `git check-ignore --no-index` (git 2.39) with the rules in .gitignore and the path created on disk.
    [Theory]
    // A pattern without '/' matches the name at any depth.
    [InlineData("foo", "foo", false, true)]
    [InlineData("foo", "foo", true, true)]
    [InlineData("foo", "a/foo", false, true)]
    [InlineData("foo", "a/b/foo", true, true)]
    [InlineData("foo", "foobar", false, false)]
    [InlineData("foo", "afoo", false, false)]
    [InlineData("foo", "foo.txt", false, false)]
    [InlineData("foo", "a/foo.txt", false, false)]
    [InlineData("foo.txt", "foo_txt", false, false)]
    [InlineData("foo#bar", "foo#bar", false, true)]
    // Comments, blank lines, escapes of '#'.
    [InlineData("#foo", "#foo", false, false)]
    [InlineData("\\#foo", "#foo", false, true)]
    [InlineData("# a comment\nfoo", "foo", false, true)]
    [InlineData("\n\n   \nfoo\n\n", "foo", false, true)]
    [InlineData("\n\n   \nfoo\n\n", "bar", false, false)]
    // Trailing spaces are trimmed unless escaped; leading spaces count.
    [InlineData("foo   ", "foo", false, true)]
    [InlineData("foo\\ ", "foo ", false, true)]
    [InlineData("foo\\ ", "foo", false, false)]
    [InlineData("foo\\    ", "foo ", false, true)]
    [InlineData("foo\\  ", "foo  ", false, false)]
    [InlineData("foo\\ \\ ", "foo  ", false, true)]
    [InlineData("a b  ", "a b", false, true)]
    [InlineData(" foo", "foo", false, false)]
    [InlineData(" foo", " foo", false, true)]
    [InlineData("\\ ", " ", false, true)]
    // Negation and order: the last matching rule wins.
    [InlineData("*.log\n!keep.log", "keep.log", false, false)]
    [InlineData("*.log\n!keep.log", "a/keep.log", false, false)]
    [InlineData("*.log\n!keep.log", "other.log", false, true)]
    [InlineData("!keep.log\n*.log", "keep.log", false, true)]
    [InlineData("foo\n!foo\nfoo", "foo", false, true)]
    [InlineData("foo\n!foo", "foo", false, false)]
    [InlineData("!foo", "foo", false, false)]
    [InlineData("\\!important", "!important", false, true)]
    [InlineData("\\!important", "important", false, false)]
    [InlineData("*\n!\\!x", "!x", false, false)]
    [InlineData("*\n!\\!x", "x", false, true)]
    [InlineData("!!x", "!x", false, false)]
    [InlineData("*\n!!x", "!x", false, false)]
    [InlineData("*\n!!x", "x", false, true)]
    // A '/' at the start or in the middle anchors the pattern to the root.
    [InlineData("/foo", "foo", false, true)]
    [InlineData("/foo", "a/foo", false, false)]
    [InlineData("a/b", "a/b", false, true)]
    [InlineData("a/b", "x/a/b", false, false)]
    [InlineData("a/b", "a/b/c", false, true)]
    [InlineData("a/b", "a/bc", false, false)]
    [InlineData("/*.c", "cat-file.c", false, true)]
    [InlineData("/*.c", "mozilla-sha1/sha1.c", false, false)]
    [InlineData("a/*.c", "a/x.c", false, true)]
    [InlineData("a/*.c", "a/b/x.c", false, false)]
    [InlineData("a/*.c", "b/a/x.c", false, false)]
    [InlineData("doc/frotz/", "doc/frotz", true, true)]
    [InlineData("doc/frotz/", "a/doc/frotz", true, false)]
    [InlineData("doc/frotz", "doc/frotz", false, true)]
    // A trailing '/' matches folders only.
    [InlineData("frotz/", "frotz", true, true)]
    [InlineData("frotz/", "frotz", false, false)]
    [InlineData("frotz/", "a/frotz", true, true)]
    [InlineData("frotz/", "a/frotz", false, false)]
    [InlineData("frotz/", "frotz/x.txt", false, true)]
    [InlineData("frotz/", "a/frotz/b/x.txt", false, true)]
    [InlineData("*/", "a", true, true)]
    [InlineData("*/", "a", false, false)]
    [InlineData("*/", "a/b", false, true)]
    // '*' and '?' never match '/'.
    [InlineData("*.c", "a/b/x.c", false, true)]
    [InlineData("*.c", "x.cc", false, false)]
    [InlineData("*.c", ".c", false, true)]
    [InlineData("a*b", "axxb", false, true)]
    [InlineData("a*b", "ab", false, true)]
    [InlineData("a*b", "a/b", false, false)]
    [InlineData("/a*b", "a/b", false, false)]
    [InlineData("a*", "a", false, true)]
    [InlineData("a*", "ba", false, false)]
    [InlineData("*", "anything/at/all", false, true)]
    [InlineData("a/*", "a/b", false, true)]
    [InlineData("a/*", "a", true, false)]
    [InlineData("a/*", "a/b/c", false, true)]
    [InlineData("*a*b*c*", "xaybzc", false, true)]
    [InlineData("*a*b*c*", "xaybz", false, false)]
    [InlineData("/x/*/z", "x/y/z", false, true)]
    [InlineData("/x/*/z", "x/y/w/z", false, false)]
    [InlineData("?.txt", "a.txt", false, true)]
    [InlineData("?.txt", "ab.txt", false, false)]
    [InlineData("?.txt", ".txt", false, false)]
    [InlineData("/a?b", "a/b", false, false)]
    [InlineData("a??", "abc", false, true)]
    // Character classes.
    [InlineData("[abc].txt", "b.txt", false, true)]
    [InlineData("[abc].txt", "d.txt", false, false)]
    [InlineData("[a-c]x", "bx", false, true)]
    [InlineData("[a-c]x", "dx", false, false)]
    [InlineData("[a-cx-z]", "y", false, true)]
    [InlineData("[a-cx-z]", "m", false, false)]
    [InlineData("[!a-c]x", "dx", false, true)]
    [InlineData("[!a-c]x", "ax", false, false)]
    [InlineData("[^a-c]x", "dx", false, true)]
    [InlineData("[^a-c]x", "ax", false, false)]
    [InlineData("[]]x", "]x", false, true)]
    [InlineData("[]]x", "x", false, false)]
    [InlineData("[!]]x", "ax", false, true)]
    [InlineData("[!]]x", "]x", false, false)]
    [InlineData("[]a]", "a", false, true)]
    [InlineData("[a-]x", "-x", false, true)]
    [InlineData("[-a]x", "-x", false, true)]
    [InlineData("[\\]]x", "]x", false, true)]
    [InlineData("[\\!]x", "!x", false, true)]
    [InlineData("[a\\-z]", "-", false, true)]
    [InlineData("[a\\-z]", "b", false, false)]
    [InlineData("[!a]", "b", false, true)]
    [InlineData("[[:digit:]]*.log", "1.log", false, true)]
    [InlineData("[[:digit:]]*.log", "a.log", false, false)]
    [InlineData("[[:upper:]]*", "Abc", false, true)]
    [InlineData("[[:upper:]]*", "abc", false, false)]
    [InlineData("[[:lower:][:digit:]]", "7", false, true)]
    [InlineData("[[:lower:][:digit:]]", "Q", false, false)]
    [InlineData("[[:alpha:]]", "q", false, true)]
    [InlineData("[[:alnum:]]", "_", false, false)]
    [InlineData("[[:punct:]]", "_", false, true)]
    [InlineData("[[:xdigit:]]", "F", false, true)]
    [InlineData("[[:xdigit:]]", "g", false, false)]
    [InlineData("[[:space:]]", " ", false, true)]
    [InlineData("[[:blank:]]x", " x", false, true)]
    [InlineData("[[:graph:]]", " ", false, false)]
    [InlineData("[[:print:]]", " ", false, true)]
    [InlineData("[![:digit:]]", "a", false, true)]
    [InlineData("[![:digit:]]", "5", false, false)]
    [InlineData("[[:]x", "[x", false, true)]
    [InlineData("[[:]x", ":x", false, true)]
    [InlineData("x[/]y", "x/y", false, false)]
    [InlineData("x[!a]y", "x/y", false, false)]
    [InlineData("x?y", "x/y", false, false)]
    // "**" forms.
    [InlineData("**/foo", "foo", false, true)]
    [InlineData("**/foo", "a/foo", false, true)]
    [InlineData("**/foo", "a/b/foo", false, true)]
    [InlineData("**/foo", "a/xfoo", false, false)]
    [InlineData("**/foo/bar", "foo/bar", false, true)]
    [InlineData("**/foo/bar", "x/y/foo/bar", false, true)]
    [InlineData("**/foo/bar", "x/foo/baz", false, false)]
    [InlineData("abc/**", "abc/x", false, true)]
    [InlineData("abc/**", "abc/x/y", false, true)]
    [InlineData("abc/**", "abc", true, false)]
    [InlineData("abc/**", "x/abc/y", false, false)]
    [InlineData("a/**/b", "a/b", false, true)]
    [InlineData("a/**/b", "a/x/b", false, true)]
    [InlineData("a/**/b", "a/x/y/b", false, true)]
    [InlineData("a/**/b", "a/xb", false, false)]
    [InlineData("a/**/b", "b", false, false)]
    [InlineData("a/**/b", "x/a/b", false, false)]
    [InlineData("a/**/b/*.c", "a/x/b/y.c", false, true)]
    [InlineData("a/**/b/*.c", "a/x/b/y/z.c", false, false)]
    [InlineData("a/**/**/b", "a/x/y/b", false, true)]
    [InlineData("a/**/**/b", "a/b", false, true)]
    [InlineData("**", "a/b/c", false, true)]
    [InlineData("/**", "a/b/c", false, true)]
    [InlineData("**/", "a", true, true)]
    [InlineData("**/", "a", false, false)]
    [InlineData("a/**/", "a/x", true, true)]
    [InlineData("a/**/", "a/x", false, false)]
    [InlineData("a/**/", "a/x/y", false, true)]
    [InlineData("foo**bar", "fooXbar", false, true)]
    [InlineData("foo**bar", "a/fooXbar", false, true)]
    [InlineData("**foo", "xfoo", false, true)]
    [InlineData("**foo", "a/xfoo", false, true)]
    [InlineData("a/**b", "a/xb", false, true)]
    [InlineData("a/**b", "a/x/b", false, false)]
    [InlineData("a/b**", "a/bxx", false, true)]
    [InlineData("a/b**", "a/b/c", false, true)]
    [InlineData("a/b**/c", "a/bx/c", false, true)]
    [InlineData("**/b/**/d", "a/b/c/d", false, true)]
    [InlineData("**/b/**/d", "b/d", false, true)]
    [InlineData("**/*.o", "x.o", false, true)]
    [InlineData("**/*.o", "a/b/x.o", false, true)]
    [InlineData("x/**/*", "x/a", false, true)]
    [InlineData("x/**/*", "x", true, false)]
    // A path inside an ignored folder is ignored; a negation cannot include it again.
    [InlineData("build/", "build/x/y.txt", false, true)]
    [InlineData("build/", "build/x", true, true)]
    [InlineData("build", "build/x", false, true)]
    [InlineData("build/\n!build/keep.txt", "build/keep.txt", false, true)]
    [InlineData("build/\n!build/x/\n!build/x/keep.txt", "build/x/keep.txt", false, true)]
    [InlineData("logs/\n!*.log", "logs/important.log", false, true)]
    [InlineData("/*\n!/foo\n/foo/*\n!/foo/bar", "foo/bar/baz", false, false)]
    [InlineData("/*\n!/foo\n/foo/*\n!/foo/bar", "foo/bar", true, false)]
    [InlineData("/*\n!/foo\n/foo/*\n!/foo/bar", "foo/qux", false, true)]
    [InlineData("/*\n!/foo\n/foo/*\n!/foo/bar", "foo/qux/deep.txt", false, true)]
    [InlineData("/*\n!/foo\n/foo/*\n!/foo/bar", "x", false, true)]
    [InlineData("/*\n!/foo\n/foo/*\n!/foo/bar", "foo", true, false)]
    [InlineData("*\n!*/\n!*.txt", "a/b.txt", false, false)]
    [InlineData("*\n!*/\n!*.txt", "a/b.log", false, true)]
    [InlineData("*\n!*/\n!*.txt", "c.txt", false, false)]
    [InlineData("*\n!*/\n!*.txt", "a/b/c", true, false)]
    [InlineData("foo/**\n!foo/bar", "foo/bar", false, false)]
    [InlineData("foo/**\n!foo/bar", "foo/bar/x", false, true)]
    [InlineData("foo/**\n!foo/**/\n!foo/**/*.txt", "foo/a/b/keep.txt", false, false)]
    [InlineData("foo/**\n!foo/**/\n!foo/**/*.txt", "foo/a/b/drop.bin", false, true)]
    [InlineData("a/b/c/\n!a/b/c/d", "a/b/c/d/e", false, true)]
    [InlineData("node_modules/", "src/app/node_modules/lib/index.js", false, true)]
    [InlineData("node_modules/", "src/app/node_modules_x/index.js", false, false)]
    [InlineData("*.tmp", "a.tmp/inner.txt", false, true)]
    [InlineData("!a/\na/", "a/x", false, true)]
    [InlineData("a/\n!a/", "a/x", false, false)]
    // Backslash escapes.
    [InlineData("\\*", "*", false, true)]
    [InlineData("\\*", "a", false, false)]
    [InlineData("\\?", "?", false, true)]
    [InlineData("\\?", "a", false, false)]
    [InlineData("\\[a]", "[a]", false, true)]
    [InlineData("\\[a]", "a", false, false)]
    [InlineData("a\\\\b", "a\\b", false, true)]
    [InlineData("\\a\\b\\c", "abc", false, true)]
    [InlineData("*\\**", "a*b", false, true)]
    [InlineData("*\\**", "ab", false, false)]
    public void Matches_LikeGit(string rules, string path, bool isDirectory, bool expected)
    {
        var parsed = Rules(rules);
        Assert.Equal(expected, parsed.IsIgnored(path, isDirectory));

        // The answer must not depend on what was asked before (the parent-folder cache) or on the order of calls.
        Assert.Equal(expected, parsed.IsIgnored(path, isDirectory));
        var fresh = Rules(rules);
        var parent = path.LastIndexOf('/');
        if (parent > 0)
        {
            fresh.IsIgnored(path.Substring(0, parent), true);
        }

        Assert.Equal(expected, fresh.IsIgnored(path, isDirectory));
    }

    // gitignore's documentation: a "**" that is not a whole path segment is a plain '*'. Git 2.39 follows that for
    // "q/*/b**/c", but matches "q/a/b**/c" against "q/a/bx/y/c": it strips the literal prefix "q/a/b" before calling
    // wildmatch, and then the "**" looks as if it started the pattern. We follow the documentation, so the answer
    // does not depend on where the first wildcard is.
    [Theory]
    [InlineData("a/b**/c", "a/bx/y/c", false)]
    [InlineData("a/*/b**/c", "a/q/bx/y/c", false)]
    [InlineData("a/b**/c", "a/bx/c", true)]
    [InlineData("a/*/b**/c", "a/q/bx/c", true)]
    public void DoubleStarInsideASegment_IsAPlainStar_AsDocumented(string rules, string path, bool expected)
    {
        Assert.Equal(expected, Rules(rules).IsIgnored(path, false));
    }

    [Theory]
    [InlineData(".syncengine", true)]
    [InlineData(".syncengine", false)]
    [InlineData(".syncengine/trash", true)]
    [InlineData(".syncengine/trash/2026/file.txt", false)]
    public void EngineFolder_AlwaysIgnored_EvenWithNoRulesAndAgainstNegations(string path, bool isDirectory)
    {
        Assert.True(IgnoreRules.Empty.IsIgnored(path, isDirectory));
        Assert.True(IgnoreRules.Load(null, null).IsIgnored(path, isDirectory));
        var negations = Rules("!.syncengine\n!.syncengine/\n!/.syncengine/**\n!**/*\n!*");
        Assert.True(negations.IsIgnored(path, isDirectory));
        Assert.True(negations.IsIgnoredInIncludedFolder(path, isDirectory));
        Assert.Same(IgnoreRules.EngineFolderRule, negations.Explain(path, isDirectory));
    }

    [Theory]
    [InlineData("a/.syncengine")]
    [InlineData("a/.syncengine/x")]
    [InlineData(".syncengine2")]
    [InlineData(".syncenginex/y")]
    [InlineData(".syncengin")]
    [InlineData(".syncengine-tmp-123")]
    [InlineData(".SyncEngine")]
    public void EngineFolder_OnlyTheRootFolderExactly(string path)
    {
        Assert.False(IgnoreRules.Empty.IsIgnored(path, true));
        Assert.False(IgnoreRules.Empty.IsIgnored(path, false));
    }

    [Fact]
    public void EngineFolder_IgnoreCase_AlsoMatchesOtherCase()
    {
        var rules = Rules("*.log", ignoreCase: true);
        Assert.True(rules.IsIgnored(".SyncEngine/state.json", false));
        Assert.True(rules.IsIgnored(".SYNCENGINE", true));
        Assert.False(rules.IsIgnored(".SyncEngineX", true));
    }

    [Fact]
    public void Empty_HasNoRules_AndIgnoresOnlyTheEngineFolder()
    {
        Assert.Equal(0, IgnoreRules.Empty.Count);
        Assert.Empty(IgnoreRules.Empty.Rules);
        Assert.False(IgnoreRules.Empty.IsIgnored("a", true));
        Assert.False(IgnoreRules.Empty.IsIgnored("a/b/c.txt", false));
        Assert.False(IgnoreRules.Empty.IsIgnored("", true));
        Assert.Null(IgnoreRules.Empty.Explain("a/b", false));
        Assert.Same(IgnoreRules.Empty, IgnoreRules.Parse("# only a comment\n\n", "x"));
    }

    [Theory]
    [InlineData("Foo.TXT", "foo.txt", true)]
    [InlineData("foo.txt", "FOO.TXT", true)]
    [InlineData("*.LOG", "a/b/x.log", true)]
    [InlineData("*.log", "X.LOG", true)]
    [InlineData("Build/", "build/out.bin", true)]
    [InlineData("/Docs/**/*.MD", "docs/a/readme.md", true)]
    [InlineData("[A-C]x", "bX", true)]
    [InlineData("[a-c]x", "BX", true)]
    [InlineData("[!a-c]x", "Bx", false)]
    [InlineData("[[:upper:]]x", "ax", true)]
    [InlineData("[[:lower:]]x", "Ax", true)]
    [InlineData("ÄRGER*", "ärger.txt", true)]
    [InlineData("a?C*", "ABc", true)]
    [InlineData("*.log\n!KEEP.log", "keep.LOG", false)]
    [InlineData("foo", "bar", false)]
    public void IgnoreCase_FoldsCase(string rules, string path, bool expected)
    {
        Assert.Equal(expected, Rules(rules, ignoreCase: true).IsIgnored(path, false));
        Assert.True(Rules(rules, ignoreCase: true).IgnoreCase);
    }

    [Theory]
    [InlineData("Foo.TXT", "foo.txt")]
    [InlineData("*.LOG", "x.log")]
    [InlineData("Build/", "build/out.bin")]
    [InlineData("[A-C]x", "bx")]
    [InlineData("ÄRGER*", "ärger.txt")]
    [InlineData("/Docs/**/*.md", "docs/a/readme.md")]
    public void CaseSensitive_ByDefault(string rules, string path)
    {
        Assert.False(Rules(rules).IsIgnored(path, false));
        Assert.False(IgnoreRules.Load(null, new[] { rules.Split('\n')[0] }).IsIgnored(path, false));
        Assert.True(IgnoreRules.Load(null, new[] { rules.Split('\n')[0] }, ignoreCase: true).IsIgnored(path, false));
    }

    [Theory]
    [InlineData("?.txt", "\U0001F600.txt", true)] // '?' matches one code point, a surrogate pair too
    [InlineData("??.txt", "\U0001F600.txt", false)]
    [InlineData("[\U0001F600x].txt", "\U0001F600.txt", true)]
    [InlineData("[!\U0001F600].txt", "\U0001F600.txt", false)]
    [InlineData("[à-ÿ]*", "é.txt", true)]
    [InlineData("*\U0001F600", "a\U0001F600", true)]
    [InlineData("caf\u00E9", "a/caf\u00E9", true)]
    [InlineData("cafe\u0301", "caf\u00E9", true)] // NFD pattern, NFC path
    [InlineData("caf\u00E9", "cafe\u0301", true)] // NFC pattern, NFD path
    [InlineData("[[:alpha:]]", "é", false)] // POSIX classes are ASCII-only, as in git
    public void Unicode(string rules, string path, bool expected)
    {
        Assert.Equal(expected, Rules(rules).IsIgnored(path, false));
    }

    // Each malformed line, alone and with a line number that is not 1.
    [Theory]
    [InlineData("[abc", "unterminated character class")]
    [InlineData("foo[", "unterminated character class")]
    [InlineData("a[b-", "unterminated character class")]
    [InlineData("[]", "unterminated character class")]
    [InlineData("[!]", "unterminated character class")]
    [InlineData("[^", "unterminated character class")]
    [InlineData("[a\\", "unterminated character class")]
    [InlineData("[[:alpha:]", "unterminated character class")]
    [InlineData("[[:alpha", "unterminated character class")]
    [InlineData("!x[", "unterminated character class")]
    [InlineData("build\\", "unescaped backslash")]
    [InlineData("a\\\\\\", "unescaped backslash")]
    [InlineData("foo \\", "unescaped backslash")]
    [InlineData("!\\", "unescaped backslash")]
    [InlineData("!", "'!' with no pattern")]
    [InlineData("!   ", "'!' with no pattern")]
    [InlineData("/", "empty")]
    [InlineData("!/", "empty")]
    [InlineData("//", "empty")]
    [InlineData("a\0b", "control character U+0000")]
    [InlineData("\0", "control character U+0000")]
    [InlineData("a\tb", "control character U+0009")]
    [InlineData("foo\t", "control character U+0009")]
    [InlineData("\u0001x", "control character U+0001")]
    [InlineData("x\u001Fy", "control character U+001F")]
    [InlineData("del\u007F", "control character U+007F")]
    [InlineData("a\rb", "control character U+000D")]
    [InlineData("***", "'***'")]
    [InlineData("a/***/b", "'***'")]
    [InlineData("x****", "'****'")]
    [InlineData("!***.log", "'***'")]
    [InlineData("[[:foo:]]", "unknown character class '[:foo:]'")]
    [InlineData("[[::]]", "unknown character class")]
    [InlineData("[[:ALPHA:]]", "unknown character class")]
    [InlineData("[z-a]", "reversed range 'z-a'")]
    [InlineData("x[9-0]", "reversed range")]
    public void Malformed_Throws_NamingSourceAndLine(string line, string problem)
    {
        var single = Assert.Throws<IgnoreRuleException>(() => IgnoreRules.Parse(line, "/data/src/.syncignore"));
        Assert.Equal("/data/src/.syncignore", single.SourceName);
        Assert.Equal(1, single.Line);
        Assert.StartsWith("/data/src/.syncignore:1: ", single.Message, StringComparison.Ordinal);
        Assert.Contains(problem, single.Message, StringComparison.Ordinal);
        Assert.Equal("SyncIgnoreRuleInvalid", single.ErrorId);
        Assert.Equal(SyncErrorKind.InvalidArgument, single.Kind);
        Assert.DoesNotContain('\0', single.Message);

        var text = "# header\n*.log\n\n!keep.log\r\n" + line + "\nfine\n";
        var later = Assert.Throws<IgnoreRuleException>(() => IgnoreRules.Parse(text, "rules.txt"));
        Assert.Equal("rules.txt", later.SourceName);
        Assert.Equal(5, later.Line);
        Assert.Contains("rules.txt:5:", later.Message, StringComparison.Ordinal);

        var parameter = Assert.Throws<IgnoreRuleException>(() => IgnoreRules.Load(null, new[] { "*.tmp", "ok/", line }));
        Assert.Equal(IgnoreRules.ParameterSource, parameter.SourceName);
        Assert.Equal("parameter", parameter.SourceName);
        Assert.Equal(3, parameter.Line);
        Assert.Contains("parameter:3:", parameter.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_MessageShowsPatternAndColumn_ControlCharactersPrintable()
    {
        var ex = Assert.Throws<IgnoreRuleException>(() => IgnoreRules.Parse("ok\nsrc/[abc/x", "f"));
        Assert.Equal("src/[abc/x", ex.Pattern);
        Assert.Contains("'src/[abc/x'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("column 5", ex.Message, StringComparison.Ordinal);

        var nul = Assert.Throws<IgnoreRuleException>(() => IgnoreRules.Parse("ab\0c", "f"));
        Assert.Equal("ab\\x00c", nul.Pattern);
        Assert.Contains("column 3", nul.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[\\]]")]
    [InlineData("\\*\\*\\*")]
    [InlineData("[***]")]
    [InlineData("*\\**")]
    [InlineData("a\\\\")]
    [InlineData("foo\\ ")]
    [InlineData("# [unterminated comment\\")]
    [InlineData("#\0 comments are not checked")]
    [InlineData("\t\t")]
    [InlineData("  \t ")]
    [InlineData("[a-a]")]
    [InlineData("[!!]")]
    [InlineData("[[]")]
    [InlineData("]")]
    [InlineData("!#x")]
    [InlineData("**/")]
    public void WellFormed_EdgeCases_DoNotThrow(string line)
    {
        IgnoreRules.Parse(line, "f");
        IgnoreRules.Load(null, new[] { line });
    }

    [Fact]
    public void Parse_LineEndings_Bom_AndCount()
    {
        var rules = IgnoreRules.Parse("\uFEFF*.log\r\n# comment\r\n\r\n!keep.log\r\nbuild/\r\n   \r\n/tmp", "f");
        Assert.Equal(4, rules.Count);
        Assert.True(rules.IsIgnored("x.log", false));
        Assert.False(rules.IsIgnored("keep.log", false));
        Assert.True(rules.IsIgnored("build", true));
        Assert.True(rules.IsIgnored("tmp", false));
        Assert.Equal(new[] { 1, 4, 5, 7 }, rules.Rules.Select(r => r.Line).ToArray());
        Assert.Equal(new[] { "*.log", "!keep.log", "build/", "/tmp" }, rules.Rules.Select(r => r.Text).ToArray());
    }

    [Fact]
    public void Rules_ExposeTheirShape()
    {
        var rules = IgnoreRules.Parse("*.log\n!/keep/\ndocs/api\n\\!x   ", "src.ignore");
        var log = rules.Rules[0];
        Assert.Equal(("src.ignore", 1, "*.log", false, false, false), (log.Source, log.Line, log.Text, log.IsNegation, log.DirectoryOnly, log.IsAnchored));
        var keep = rules.Rules[1];
        Assert.Equal((true, true, true), (keep.IsNegation, keep.DirectoryOnly, keep.IsAnchored));
        Assert.True(rules.Rules[2].IsAnchored);
        Assert.False(rules.Rules[2].DirectoryOnly);
        Assert.Equal("\\!x", rules.Rules[3].Text);
        Assert.False(rules.Rules[3].IsNegation);
        Assert.Equal("src.ignore:2: !/keep/", keep.ToString());
    }

    [Fact]
    public void Explain_ReturnsTheDecidingRule()
    {
        var rules = IgnoreRules.Parse("build/\n*.log\n!keep.log\n!build/keep.log", "f");
        Assert.Equal(1, rules.Explain("build/keep.log", false)!.Line); // the ignored parent decides
        Assert.Equal(1, rules.Explain("build", true)!.Line);
        Assert.Equal(2, rules.Explain("a/x.log", false)!.Line);
        var negation = rules.Explain("a/keep.log", false)!;
        Assert.Equal(3, negation.Line);
        Assert.True(negation.IsNegation);
        Assert.Null(rules.Explain("a/readme.md", false));
        Assert.Null(rules.Explain("", true));
    }

    [Fact]
    public void IsIgnoredInIncludedFolder_SkipsTheParentCheck()
    {
        var rules = IgnoreRules.Parse("build/\n*.log", "f");
        Assert.True(rules.IsIgnored("build/readme.md", false));
        Assert.False(rules.IsIgnoredInIncludedFolder("build/readme.md", false));
        Assert.True(rules.IsIgnoredInIncludedFolder("src/x.log", false));
        Assert.True(rules.IsIgnoredInIncludedFolder("src/build", true));
        Assert.False(rules.IsIgnoredInIncludedFolder("", true));
    }

    [Fact]
    public void IsIgnored_RejectsBadArguments()
    {
        var rules = IgnoreRules.Parse("*.log", "f");
        Assert.Throws<ArgumentNullException>(() => rules.IsIgnored(null!, false));
        Assert.Throws<ArgumentException>(() => rules.IsIgnored("/a.log", false));
        Assert.Throws<ArgumentException>(() => rules.IsIgnored("a/", true));
        Assert.Throws<ArgumentException>(() => IgnoreRules.Empty.IsIgnored("/", true));
        Assert.Throws<ArgumentNullException>(() => IgnoreRules.Parse(null!, "f"));
        Assert.Throws<ArgumentNullException>(() => IgnoreRules.Parse("x", null!));
        Assert.False(rules.IsIgnored("", true));
    }

    [Fact]
    public void Load_NullOrMissingFile_GivesNoFileRules()
    {
        Assert.Equal(0, IgnoreRules.Load(null, null).Count);
        Assert.Equal(0, IgnoreRules.Load("", Array.Empty<string>()).Count);
        var missing = Path.Combine(Path.GetTempPath(), "syncengine-ignore-" + Guid.NewGuid().ToString("N"), ".syncignore");
        var rules = IgnoreRules.Load(missing, new[] { "*.tmp" });
        Assert.Equal(1, rules.Count);
        Assert.True(rules.IsIgnored("a.tmp", false));
        Assert.False(rules.IsIgnored("a.txt", false));
    }

    [Fact]
    public void Load_File_ThenParameters_WhichTakePrecedence()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, ".syncignore");
        File.WriteAllText(file, "\uFEFF# rules\r\n*.log\r\n!keep.bin\r\ncache/\r\n", new UTF8Encoding(false));

        var rules = IgnoreRules.Load(file, new[] { "!keep.log", null!, "", "# comment", "*.bin" });
        Assert.Equal(5, rules.Count);
        Assert.True(rules.IsIgnored("a.log", false));
        Assert.False(rules.IsIgnored("keep.log", false)); // a parameter re-includes what the file ignores
        Assert.True(rules.IsIgnored("keep.bin", false)); // a parameter overrides the file's negation
        Assert.True(rules.IsIgnored("cache/x", false));
        Assert.Equal(new[] { file, file, file, "parameter", "parameter" }, rules.Rules.Select(r => r.Source).ToArray());
        Assert.Equal(new[] { 2, 3, 4, 1, 5 }, rules.Rules.Select(r => r.Line).ToArray());

        var noFile = IgnoreRules.Load(file, null);
        Assert.Equal(3, noFile.Count);
        Assert.True(noFile.IsIgnored("keep.log/x", false));
    }

    [Fact]
    public void Load_MalformedFileLine_NamesFileAndLine()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, ".syncignore");
        File.WriteAllText(file, "*.log\n\n# c\nsrc/[oops\n");
        var ex = Assert.Throws<IgnoreRuleException>(() => IgnoreRules.Load(file, new[] { "[bad" }));
        Assert.Equal(file, ex.SourceName);
        Assert.Equal(4, ex.Line);
        Assert.StartsWith(file + ":4: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithBom_AndIgnoreCase()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, ".syncignore");
        File.WriteAllText(file, "*.LOG\n", new UTF8Encoding(true));
        var rules = IgnoreRules.Load(file, null, ignoreCase: true);
        Assert.True(rules.IgnoreCase);
        Assert.Equal("*.LOG", rules.Rules[0].Text);
        Assert.True(rules.IsIgnored("a/x.log", false));
        Assert.False(IgnoreRules.Load(file, null).IsIgnored("a/x.log", false));
    }

    [Fact]
    public void Load_FolderInsteadOfFile_IsTreatedAsNoFile()
    {
        using var dir = new TempDir();
        Assert.Equal(0, IgnoreRules.Load(dir.Path, null).Count);
    }

    // The cached "included parent folder" must never leak into an answer for a path it does not cover.
    [Fact]
    public void ParentCache_NeverMisleads()
    {
        var rules = IgnoreRules.Parse("/a/bc/\n/a/b/x/\nignored-dir/", "f");
        Assert.False(rules.IsIgnored("a/b", true)); // caches "a/b"
        Assert.True(rules.IsIgnored("a/bc/file", false)); // "a/bc" shares the prefix "a/b" but is another folder
        Assert.False(rules.IsIgnored("a/b/file", false));
        Assert.True(rules.IsIgnored("a/b/x/file", false));
        Assert.False(rules.IsIgnored("a/b/y/file", false)); // caches "a/b/y"
        Assert.True(rules.IsIgnored("a/b/x/deeper/file", false));
        Assert.True(rules.IsIgnored("a/bc", true));
        Assert.False(rules.IsIgnored("a", true));
        Assert.True(rules.IsIgnored("q/ignored-dir/z", false));
        Assert.False(rules.IsIgnored("q/other/z", false));
        Assert.True(rules.IsIgnored("q/ignored-dir/z", false));
    }

    [Fact]
    public void ConcurrentCalls_AgreeWithFreshInstances()
    {
        const string text = "build/\n*.log\n!keep.log\n/a/b/\n!/a/b/c\n**/tmp/**\n[0-9]*.bin\n/x/*/y/";
        var random = new Random(12345);
        var segments = new[] { "a", "b", "c", "build", "tmp", "keep.log", "x.log", "1.bin", "x", "y", "z", "src" };
        var cases = new List<(string Path, bool IsDirectory)>();
        for (var i = 0; i < 4000; i++)
        {
            var depth = random.Next(1, 6);
            var path = string.Join("/", Enumerable.Range(0, depth).Select(_ => segments[random.Next(segments.Length)]));
            cases.Add((path, random.Next(2) == 0));
        }

        var expected = cases.Select(c => Rules(text).IsIgnored(c.Path, c.IsDirectory)).ToArray();
        Assert.Contains(true, expected);
        Assert.Contains(false, expected);

        var shared = Rules(text);
        var mismatches = 0;
        Parallel.For(0, 8, worker =>
        {
            for (var round = 0; round < 5; round++)
            {
                for (var i = worker % 3; i < cases.Count; i++)
                {
                    if (shared.IsIgnored(cases[i].Path, cases[i].IsDirectory) != expected[i])
                    {
                        System.Threading.Interlocked.Increment(ref mismatches);
                    }
                }
            }
        });
        Assert.Equal(0, mismatches);
    }

    // A reference model of git's rules, written the obvious (slow) way: each rule becomes a Regex, every parent
    // folder is checked from the top, the last match wins. The compiled matcher must agree with it everywhere.
    [Fact]
    public void AgreesWithRegexReferenceModel_OnRandomPatternsAndPaths()
    {
        var random = new Random(4242);
        var atoms = new[] { "a", "b", "ab", "*", "?", "[ab]", "[!a]", "**", "/", "x", ".", "\\*" };
        var names = new[] { "a", "b", "ab", "ba", "x", "a.x", "*", "aa", "bab", "xa" };
        var checkedCount = 0;
        for (var set = 0; set < 300; set++)
        {
            var lines = new List<string>();
            for (var r = random.Next(1, 5); r > 0; r--)
            {
                var sb = new StringBuilder();
                if (random.Next(4) == 0)
                {
                    sb.Append('!');
                }

                for (var n = random.Next(1, 6); n > 0; n--)
                {
                    sb.Append(atoms[random.Next(atoms.Length)]);
                }

                var line = sb.ToString();
                if (line.Contains("***", StringComparison.Ordinal) || line.TrimStart('!').Trim('/').Length == 0 || line == "!")
                {
                    continue;
                }

                lines.Add(line);
            }

            if (lines.Count == 0)
            {
                continue;
            }

            var rules = IgnoreRules.Parse(string.Join("\n", lines), "random");
            var reference = new ReferenceModel(lines);
            for (var p = 0; p < 40; p++)
            {
                var path = string.Join("/", Enumerable.Range(0, random.Next(1, 5)).Select(_ => names[random.Next(names.Length)]));
                var isDirectory = random.Next(2) == 0;
                var want = reference.IsIgnored(path, isDirectory);
                Assert.True(want == rules.IsIgnored(path, isDirectory), $"rules {string.Join(" | ", lines)}; path {path} (dir {isDirectory}): expected {want}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount > 5000);
    }

    [Fact]
    public void IsIgnored_DoesNotAllocate_InAFolderAlreadySeen()
    {
        var rules = IgnoreRules.Parse("*.log\n!keep.log\nbuild/\n/docs/**/*.tmp\n[0-9]*.bin\nfoo?bar", "f");
        var paths = new[] { "src/app/a.txt", "src/app/b.log", "src/app/keep.log", "src/app/7.bin", "src/app/fooxbar", "src/app/main.cs" };
        foreach (var p in paths)
        {
            rules.IsIgnored(p, false);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ignored = 0;
        for (var round = 0; round < 1000; round++)
        {
            foreach (var p in paths)
            {
                ignored += rules.IsIgnored(p, false) ? 1 : 0;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(3000, ignored);
        Assert.Equal(0, allocated);
    }

    private sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "syncengine-ignore-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    // Translates gitignore lines to regular expressions, following the gitignore documentation directly.
    private sealed class ReferenceModel
    {
        private readonly List<(System.Text.RegularExpressions.Regex Regex, bool Negated, bool DirectoryOnly, bool Anchored)> _rules = new();

        public ReferenceModel(IEnumerable<string> lines)
        {
            foreach (var raw in lines)
            {
                var line = raw;
                var negated = line.StartsWith('!');
                if (negated)
                {
                    line = line.Substring(1);
                }

                var directoryOnly = line.EndsWith('/');
                if (directoryOnly)
                {
                    line = line.Substring(0, line.Length - 1);
                }

                var anchored = line.Contains('/', StringComparison.Ordinal);
                if (line.StartsWith('/'))
                {
                    line = line.Substring(1);
                }

                var segments = line.Split('/');
                var sb = new StringBuilder("^");
                for (var s = 0; s < segments.Length; s++)
                {
                    var segment = segments[s];
                    var isLast = s == segments.Length - 1;
                    if (anchored && segment == "**")
                    {
                        // "**/" (zero or more folders), trailing "/**" (everything below)
                        sb.Append(isLast ? (s == 0 ? ".*" : ".+") : "(?:[^/]+/)*");
                        continue;
                    }

                    sb.Append(SegmentRegex(segment));
                    if (!isLast)
                    {
                        // a trailing "/**" needs the '/' and at least one character; "a/**" is handled above
                        if (segments[s + 1] == "**" && s + 1 == segments.Length - 1 && anchored)
                        {
                            sb.Append('/');
                            sb.Append(".+$");
                            s++;
                            break;
                        }

                        sb.Append('/');
                    }
                }

                var pattern = sb.ToString();
                if (!pattern.EndsWith('$'))
                {
                    pattern += "$";
                }

                _rules.Add((new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant), negated, directoryOnly, anchored));
            }
        }

        public bool IsIgnored(string path, bool isDirectory)
        {
            var slash = path.IndexOf('/');
            while (slash >= 0)
            {
                if (Decide(path.Substring(0, slash), true) == true)
                {
                    return true;
                }

                slash = path.IndexOf('/', slash + 1);
            }

            return Decide(path, isDirectory) == true;
        }

        private static string SegmentRegex(string segment)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < segment.Length; i++)
            {
                var c = segment[i];
                switch (c)
                {
                    case '\\':
                        i++;
                        sb.Append(System.Text.RegularExpressions.Regex.Escape(segment[i].ToString()));
                        break;
                    case '*':
                        while (i + 1 < segment.Length && segment[i + 1] == '*')
                        {
                            i++;
                        }

                        sb.Append("[^/]*");
                        break;
                    case '?':
                        sb.Append("[^/]");
                        break;
                    case '[':
                        var close = segment.IndexOf(']', i + 2);
                        var body = segment.Substring(i + 1, close - i - 1);
                        sb.Append(body[0] == '!' ? "[^/" + body.Substring(1) + "]" : "[" + body + "]");
                        i = close;
                        break;
                    default:
                        sb.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
                        break;
                }
            }

            return sb.ToString();
        }

        private bool? Decide(string path, bool isDirectory)
        {
            var name = path.Substring(path.LastIndexOf('/') + 1);
            for (var i = _rules.Count - 1; i >= 0; i--)
            {
                var rule = _rules[i];
                if (rule.DirectoryOnly && !isDirectory)
                {
                    continue;
                }

                if (rule.Regex.IsMatch(rule.Anchored ? path : name))
                {
                    return !rule.Negated;
                }
            }

            return null;
        }
    }
}
