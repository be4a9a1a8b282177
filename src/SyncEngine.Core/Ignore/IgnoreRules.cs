// Ignore rules in gitignore syntax.
//
// Why the matcher is written by hand: Microsoft.Extensions.FileSystemGlobbing (named in DESIGN.md "where it fits")
// only has unordered include/exclude globs. It has no ordered '!' negation where the last matching line wins, no
// character classes, no gitignore anchoring (a pattern without '/' matches a name at any depth), no folder-only
// rules, and it walks a folder itself instead of answering "is this one path ignored?". One Regex per line would
// work, but it costs a regex run per rule per path (plus code generation at start-up with RegexOptions.Compiled)
// on trees with millions of files. So the matcher below ports git's own wildmatch algorithm, including its abort
// shortcuts that keep '*' backtracking from blowing up, over patterns compiled once to tokens. It has fast paths for
// literal, prefix ("name*") and suffix ("*.ext") patterns and allocates nothing per call.

using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.Ignore;

/// <summary>
/// An ordered, immutable set of ignore rules in gitignore syntax, read from a <c>.syncignore</c> file and/or given
/// as parameters. It answers whether a relative path is ignored. Instances are thread-safe.
/// </summary>
/// <remarks>
/// <para>The syntax is git's gitignore syntax:</para>
/// <list type="bullet">
/// <item><description>Blank lines, and lines with only spaces and tabs, are skipped. A line starting with <c>#</c> is a
/// comment; <c>\#</c> matches a literal '#'.</description></item>
/// <item><description>Trailing spaces are trimmed unless escaped: <c>\ </c> keeps one space. Leading spaces
/// count.</description></item>
/// <item><description>A leading <c>!</c> negates the rule: a path it matches is included again. <c>\!</c> matches a
/// literal '!'. The last rule that matches wins.</description></item>
/// <item><description>A trailing <c>/</c> makes the rule match folders only.</description></item>
/// <item><description>A pattern with a <c>/</c> at the start or in the middle is anchored: it is matched against the
/// whole path from the root. Without one, it is matched against the name at any depth.</description></item>
/// <item><description><c>*</c> matches any run of characters except '/'. <c>?</c> matches any one character except
/// '/'. <c>[a-z]</c>, <c>[!a-z]</c> and <c>[^a-z]</c> are character classes with ranges, negation, backslash
/// escapes and POSIX names such as <c>[[:digit:]]</c> (ASCII only, as in git). A class never matches
/// '/'.</description></item>
/// <item><description><c>**/x</c> matches <c>x</c> in any folder. <c>a/**</c> matches everything inside <c>a</c>.
/// <c>a/**/b</c> matches <c>a/b</c>, <c>a/x/b</c>, <c>a/x/y/b</c> and so on. Any other <c>**</c> acts as
/// <c>*</c>.</description></item>
/// <item><description><c>\</c> escapes the next character.</description></item>
/// <item><description>As in git, a path inside an ignored folder is ignored, and a negation cannot include it again.
/// This holds even when the caller never asked about the folder itself.</description></item>
/// <item><description>The engine's own folder <c>.syncengine</c> at the root, and everything in it, is always
/// ignored. No rule can include it again.</description></item>
/// </list>
/// <para>Matching is case-sensitive (ordinal) unless <c>ignoreCase</c> is set. Patterns are normalized to Unicode
/// NFC, and so are paths (see <see cref="PathRules.Key"/>). <c>?</c> and classes match one Unicode code point.</para>
/// <para>Malformed lines throw <see cref="IgnoreRuleException"/>, which names the source (the file path, or
/// <c>"parameter"</c>) and the 1-based line:</para>
/// <list type="number">
/// <item><description>an unterminated character class, such as <c>[abc</c>, <c>[]</c> or <c>[!]</c> (write <c>\[</c>
/// for a literal '[');</description></item>
/// <item><description>a trailing unescaped backslash, such as <c>build\</c> (write <c>\\</c> for a literal
/// backslash);</description></item>
/// <item><description>a lone <c>!</c> with nothing after it;</description></item>
/// <item><description>a pattern left empty once its '/' characters are removed: <c>/</c>, <c>!/</c>,
/// <c>//</c>;</description></item>
/// <item><description>NUL or another control character (U+0000 to U+001F, including tab, and U+007F), which no
/// synchronized name can contain (<see cref="PathRules.ValidateRelative"/>). Comment lines and lines with only
/// spaces and tabs are exempt. A CR before a line's LF is removed first;</description></item>
/// <item><description>a run of three or more unescaped <c>*</c>, such as <c>***</c>;</description></item>
/// <item><description>an unknown POSIX class name, such as <c>[[:foo:]]</c>;</description></item>
/// <item><description>a reversed range, such as <c>[z-a]</c>.</description></item>
/// </list>
/// <para>Git skips lines like the first four, and the last two, without a word. Here each one is an error, so a
/// mistake in a <c>.syncignore</c> file gets reported instead of ignoring nothing.</para>
/// </remarks>
public sealed class IgnoreRules
{
    /// <summary>The source name used for errors in patterns given as parameters.</summary>
    public const string ParameterSource = "parameter";

    private const int EngineFolderLength = 11; // ".syncengine"

    private static readonly IgnoreRule EngineFolderRuleInstance = new(
        "built-in", 0, "/" + PathRules.EngineFolder + "/", isNegation: false, directoryOnly: false, isAnchored: true, pattern: null);

    private readonly IgnoreRule[] _rules;

    // The last folder known to be included, together with all of its ancestors. The rules never change, so any value
    // any thread writes here is true. Reading and writing a string reference is atomic. Scanners ask about many
    // paths in one folder in a row, so most calls find their parent here and skip the walk up the parents.
    private string? _includedFolderCache;

    private IgnoreRules(IgnoreRule[] rules, bool ignoreCase)
    {
        _rules = rules;
        IgnoreCase = ignoreCase;
        Rules = Array.AsReadOnly(rules);
    }

    /// <summary>Rules with no patterns. Only the engine's own <c>.syncengine</c> folder is ignored.</summary>
    public static IgnoreRules Empty { get; } = new(Array.Empty<IgnoreRule>(), ignoreCase: false);

    /// <summary>The built-in rule that always ignores the engine's <c>.syncengine</c> folder at the root.</summary>
    public static IgnoreRule EngineFolderRule => EngineFolderRuleInstance;

    /// <summary>The number of rules, not counting blank lines, comments or the built-in <c>.syncengine</c> rule.</summary>
    public int Count => _rules.Length;

    /// <summary>The rules in the order they apply. Later rules take precedence.</summary>
    public IReadOnlyList<IgnoreRule> Rules { get; }

    /// <summary>Whether matching ignores case (simple invariant case mapping).</summary>
    public bool IgnoreCase { get; }

    /// <summary>Parses rules from the text of an ignore file.</summary>
    /// <param name="text">The rules, one per line (LF or CRLF). A leading byte-order mark is skipped.</param>
    /// <param name="sourceName">The name errors use for the source, such as the file path or <c>"parameter"</c>.</param>
    /// <param name="ignoreCase">Whether matching ignores case. The default is case-sensitive.</param>
    /// <returns>The parsed rules.</returns>
    /// <exception cref="IgnoreRuleException">A line is malformed (see the class remarks).</exception>
    public static IgnoreRules Parse(string text, string sourceName, bool ignoreCase = false)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        if (sourceName is null)
        {
            throw new ArgumentNullException(nameof(sourceName));
        }

        var rules = new List<IgnoreRule>();
        AddLines(rules, text, sourceName, ignoreCase);
        return rules.Count == 0 && !ignoreCase ? Empty : new IgnoreRules(rules.ToArray(), ignoreCase);
    }

    /// <summary>
    /// Loads the rules of an ignore file (if there is one), followed by extra patterns. The extra patterns come after
    /// the file's rules, so they take precedence.
    /// </summary>
    /// <param name="ignoreFilePath">The ignore file, usually <c>.syncignore</c> in the source root. If null, or if no
    /// file exists there, there are no file rules. Errors name the path as given.</param>
    /// <param name="extraPatterns">Patterns given as parameters, one line each (null entries are skipped, like blank
    /// lines). Errors name the source <c>"parameter"</c>, and the 1-based position in the list as the line.</param>
    /// <param name="ignoreCase">Whether matching ignores case. The default is case-sensitive.</param>
    /// <returns>The combined rules.</returns>
    /// <exception cref="IgnoreRuleException">A line is malformed (see the class remarks).</exception>
    /// <exception cref="SyncEngineException">The ignore file exists but cannot be read (error id
    /// <c>SyncIgnoreFileUnreadable</c>).</exception>
    public static IgnoreRules Load(string? ignoreFilePath, IEnumerable<string>? extraPatterns, bool ignoreCase = false)
    {
        string? text = null;
        if (!string.IsNullOrEmpty(ignoreFilePath) && File.Exists(ignoreFilePath))
        {
            try
            {
                // Never File.ReadAllText: a FIFO named .syncignore would block the run forever (refused instead).
                text = Storage.EngineFile.ReadAllText(ignoreFilePath!);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new SyncEngineException("SyncIgnoreFileUnreadable", SyncErrorKind.PermissionDenied, $"Cannot read ignore file '{ignoreFilePath}': {ex.Message}", ignoreFilePath, ex);
            }
            catch (IOException ex)
            {
                throw new SyncEngineException("SyncIgnoreFileUnreadable", SyncErrorKind.IOError, $"Cannot read ignore file '{ignoreFilePath}': {ex.Message}", ignoreFilePath, ex);
            }
        }

        return FromText(text, ignoreFilePath ?? "", extraPatterns, ignoreCase);
    }

    /// <summary>
    /// The rules of an ignore file's text (null: no file), followed by extra patterns, as <see cref="Load"/> combines
    /// them: for a file read some other way (through a remote side's provider). Errors name <paramref name="sourceName"/>.
    /// </summary>
    internal static IgnoreRules FromText(string? text, string sourceName, IEnumerable<string>? extraPatterns, bool ignoreCase = false)
    {
        var rules = new List<IgnoreRule>();
        if (text is not null)
        {
            AddLines(rules, text, sourceName, ignoreCase);
        }

        if (extraPatterns is not null)
        {
            var index = 0;
            foreach (var pattern in extraPatterns)
            {
                index++;
                if (pattern is null)
                {
                    continue;
                }

                var rule = ParseLine(pattern, ParameterSource, index, ignoreCase);
                if (rule is not null)
                {
                    rules.Add(rule);
                }
            }
        }

        return rules.Count == 0 && !ignoreCase ? Empty : new IgnoreRules(rules.ToArray(), ignoreCase);
    }

    /// <summary>
    /// Returns whether a path is ignored: the engine's <c>.syncengine</c> folder or anything in it, a path inside a
    /// folder the rules ignore, or a path whose last matching rule is not a negation.
    /// </summary>
    /// <param name="relativePath">The path relative to the root: '/'-separated, with no leading or trailing '/'. The
    /// empty path (the root) is never ignored.</param>
    /// <param name="isDirectory">Whether the path is a folder. Folder-only rules (a trailing '/') match only
    /// folders.</param>
    /// <returns>True when the path is ignored.</returns>
    public bool IsIgnored(string relativePath, bool isDirectory)
    {
        var path = PreparePath(relativePath);
        if (path.Length == 0)
        {
            return false;
        }

        if (IsEngineFolder(path))
        {
            return true;
        }

        if (_rules.Length == 0)
        {
            return false;
        }

        if (ExcludingAncestorRule(path) is not null)
        {
            return true;
        }

        var rule = LastMatch(path, path.Length, isDirectory);
        if (rule is not null && !rule.IsNegation)
        {
            return true;
        }

        if (isDirectory)
        {
            // This folder and all of its ancestors are included; its children will be asked about next.
            Volatile.Write(ref _includedFolderCache, path);
        }

        return false;
    }

    /// <summary>
    /// Like <see cref="IsIgnored"/>, for a caller that already knows no parent folder of the path is ignored (a
    /// scanner that asked about each folder before going into it). It skips the check of the parent folders.
    /// </summary>
    /// <param name="relativePath">The path relative to the root: '/'-separated, with no leading or trailing '/'.</param>
    /// <param name="isDirectory">Whether the path is a folder.</param>
    /// <returns>True when the engine folder rule or the path's own last matching rule ignores it.</returns>
    public bool IsIgnoredInIncludedFolder(string relativePath, bool isDirectory)
    {
        var path = PreparePath(relativePath);
        if (path.Length == 0)
        {
            return false;
        }

        if (IsEngineFolder(path))
        {
            return true;
        }

        if (_rules.Length == 0)
        {
            return false;
        }

        var rule = LastMatch(path, path.Length, isDirectory);
        return rule is not null && !rule.IsNegation;
    }

    /// <summary>
    /// Returns the rule that decides a path, for messages such as "ignored by .syncignore:3". This is
    /// <see cref="EngineFolderRule"/> for the engine's folder, the rule that ignores an ancestor folder, or else the
    /// path's last matching rule, which may be a negation (then the path is not ignored).
    /// </summary>
    /// <param name="relativePath">The path relative to the root: '/'-separated, with no leading or trailing '/'.</param>
    /// <param name="isDirectory">Whether the path is a folder.</param>
    /// <returns>The deciding rule, or null when no rule matches (the path is not ignored).</returns>
    public IgnoreRule? Explain(string relativePath, bool isDirectory)
    {
        var path = PreparePath(relativePath);
        if (path.Length == 0)
        {
            return null;
        }

        if (IsEngineFolder(path))
        {
            return EngineFolderRuleInstance;
        }

        if (_rules.Length == 0)
        {
            return null;
        }

        return ExcludingAncestorRule(path) ?? LastMatch(path, path.Length, isDirectory);
    }

    /// <inheritdoc/>
    public override string ToString() => $"IgnoreRules ({Count} rules{(IgnoreCase ? ", ignore case" : "")})";

    private static string PreparePath(string relativePath)
    {
        if (relativePath is null)
        {
            throw new ArgumentNullException(nameof(relativePath));
        }

        if (relativePath.Length > 0 && (relativePath[0] == '/' || relativePath[relativePath.Length - 1] == '/'))
        {
            throw new ArgumentException($"'{PathRules.Printable(relativePath)}' is not a relative path: it must not start or end with '/'.", nameof(relativePath));
        }

        return PathRules.Key(relativePath);
    }

    private bool IsEngineFolder(string path)
    {
        if (path.Length < EngineFolderLength || (path.Length > EngineFolderLength && path[EngineFolderLength] != '/'))
        {
            return false;
        }

        return string.Compare(path, 0, PathRules.EngineFolder, 0, EngineFolderLength, IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal) == 0;
    }

    // The rule that ignores a parent folder of the path, or null. As git does, every parent folder is checked, from
    // the top down, as a folder.
    private IgnoreRule? ExcludingAncestorRule(string path)
    {
        var start = 0;
        var cached = Volatile.Read(ref _includedFolderCache);
        if (cached is not null)
        {
            start = VerifiedPrefix(path, cached);
        }

        var slash = start < path.Length ? path.IndexOf('/', start) : -1;
        if (slash < 0)
        {
            return null; // no parent folder, or all of them known to be included
        }

        var lastSlash = slash;
        for (; slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            var rule = LastMatch(path, slash, isDirectory: true);
            if (rule is not null && !rule.IsNegation)
            {
                return rule;
            }

            lastSlash = slash;
        }

        Volatile.Write(ref _includedFolderCache, path.Substring(0, lastSlash));
        return null;
    }

    // Where to start looking for parent folders that still need checking, given the folder in the cache (known to
    // be included, with all of its ancestors): just after the deepest parent folder of path that is that folder or
    // one of its ancestors, or 0 when there is none.
    private static int VerifiedPrefix(string path, string cached)
    {
        var max = Math.Min(path.Length, cached.Length);
        var common = 0;
        while (common < max && path[common] == cached[common])
        {
            common++;
        }

        if (common == cached.Length && common < path.Length && path[common] == '/')
        {
            return common + 1; // the cached folder is itself a parent of path
        }

        // Otherwise the deepest '/' both share before they differ. path[k] == cached[k] == '/', so path[0..k) is a
        // parent of path and an ancestor of the cached folder.
        if (common == 0)
        {
            return 0;
        }

        var k = path.LastIndexOf('/', common - 1);
        return k < 0 ? 0 : k + 1;
    }

    // The last rule matching path[0..length), or null.
    private IgnoreRule? LastMatch(string path, int length, bool isDirectory)
    {
        var nameStart = path.LastIndexOf('/', length - 1) + 1;
        var rules = _rules;
        for (var i = rules.Length - 1; i >= 0; i--)
        {
            var rule = rules[i];
            if (rule.DirectoryOnly && !isDirectory)
            {
                continue;
            }

            if (rule.Pattern!.Matches(path, rule.IsAnchored ? 0 : nameStart, length))
            {
                return rule;
            }
        }

        return null;
    }

    private static void AddLines(List<IgnoreRule> rules, string text, string sourceName, bool ignoreCase)
    {
        var pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var lineNumber = 0;
        while (pos <= text.Length)
        {
            var newline = text.IndexOf('\n', pos);
            var end = newline < 0 ? text.Length : newline;
            lineNumber++;
            var lineEnd = end > pos && text[end - 1] == '\r' ? end - 1 : end;
            if (lineEnd > pos)
            {
                var rule = ParseLine(text.Substring(pos, lineEnd - pos), sourceName, lineNumber, ignoreCase);
                if (rule is not null)
                {
                    rules.Add(rule);
                }
            }

            if (newline < 0)
            {
                break;
            }

            pos = newline + 1;
        }
    }

    // Parses one line; null for a blank or comment line.
    private static IgnoreRule? ParseLine(string line, string source, int lineNumber, bool ignoreCase)
    {
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        var whitespaceOnly = true;
        foreach (var c in line)
        {
            if (c != ' ' && c != '\t')
            {
                whitespaceOnly = false;
                break;
            }
        }

        if (whitespaceOnly)
        {
            return null;
        }

        var context = new LineContext(source, lineNumber, line);
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c < 0x20 || c == 0x7f)
            {
                throw context.Error($"control character U+{(int)c:X4} at column {i + 1} (no file or folder name can contain it)");
            }
        }

        // NFC as paths are keyed (PathRules.Key), by Core's own normalization whatever the host's globalization.
        var text = UnicodeNfc.Normalize(line);
        text = TrimTrailingSpaces(text);

        var negated = false;
        var body = text;
        var column = 1;
        if (text[0] == '!')
        {
            negated = true;
            body = text.Substring(1);
            column = 2;
            if (body.Length == 0)
            {
                throw context.Error("'!' with no pattern after it");
            }
        }

        var tokens = Tokenize(body, column, context, out var classHasSlash);

        // Trailing '/': folders only. A pattern with a '/' left (at the start or in the middle) is anchored.
        var directoryOnly = false;
        if (tokens.Count > 0 && tokens[tokens.Count - 1].IsSlash)
        {
            directoryOnly = true;
            tokens.RemoveAt(tokens.Count - 1);
        }

        var anchored = classHasSlash;
        foreach (var t in tokens)
        {
            anchored |= t.IsSlash;
        }

        if (tokens.Count > 0 && tokens[0].IsSlash)
        {
            tokens.RemoveAt(0);
        }

        if (tokens.Count == 0)
        {
            throw context.Error("the pattern is empty once its '/' characters are removed");
        }

        // "**" is special only in an anchored pattern and only as a whole path segment; otherwise it is '*'.
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind == TokenKind.StarStar &&
                !(anchored && (i == 0 || tokens[i - 1].IsSlash) && (i == tokens.Count - 1 || tokens[i + 1].IsSlash)))
            {
                tokens[i] = Token.Star;
            }
        }

        var pattern = GlobPattern.Compile(tokens, basename: !anchored, ignoreCase);
        return new IgnoreRule(source, lineNumber, text, negated, directoryOnly, anchored, pattern);
    }

    // git's trim_trailing_spaces: drop the unescaped spaces at the end of the line.
    private static string TrimTrailingSpaces(string s)
    {
        var lastSpace = -1;
        for (var i = 0; i < s.Length; i++)
        {
            switch (s[i])
            {
                case ' ':
                    if (lastSpace < 0)
                    {
                        lastSpace = i;
                    }

                    break;
                case '\\':
                    i++;
                    if (i >= s.Length)
                    {
                        return s; // a trailing backslash: reported by the tokenizer
                    }

                    lastSpace = -1;
                    break;
                default:
                    lastSpace = -1;
                    break;
            }
        }

        return lastSpace < 0 ? s : s.Substring(0, lastSpace);
    }

    private static List<Token> Tokenize(string s, int firstColumn, LineContext context, out bool classHasSlash)
    {
        var tokens = new List<Token>(s.Length);
        classHasSlash = false;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            switch (c)
            {
                case '\\':
                    if (i + 1 >= s.Length)
                    {
                        throw context.Error("the pattern ends with an unescaped backslash (write '\\\\' for a literal backslash)");
                    }

                    tokens.Add(Token.Literal(s[i + 1]));
                    i += 2;
                    break;
                case '*':
                    var run = 1;
                    while (i + run < s.Length && s[i + run] == '*')
                    {
                        run++;
                    }

                    if (run > 2)
                    {
                        throw context.Error($"'{new string('*', run)}' at column {firstColumn + i}: use '*' or '**'");
                    }

                    tokens.Add(run == 2 ? Token.StarStar : Token.Star);
                    i += run;
                    break;
                case '?':
                    tokens.Add(Token.Any);
                    i++;
                    break;
                case '[':
                    var start = i;
                    var cls = CharClass.Parse(s, ref i, firstColumn, context);
                    classHasSlash |= s.IndexOf('/', start, i - start) >= 0;
                    tokens.Add(Token.Class(cls));
                    break;
                default:
                    tokens.Add(Token.Literal(c));
                    i++;
                    break;
            }
        }

        return tokens;
    }

    internal sealed class LineContext
    {
        private readonly string _source;
        private readonly int _line;
        private readonly string _text;

        internal LineContext(string source, int line, string text)
        {
            _source = source;
            _line = line;
            _text = text;
        }

        internal IgnoreRuleException Error(string problem) => new(_source, _line, PathRules.Printable(_text), problem);
    }

    internal enum TokenKind : byte
    {
        Literal,
        Any,
        Class,
        Star,
        StarStar,
    }

    internal readonly struct Token
    {
        private Token(TokenKind kind, char ch, CharClass? cls)
        {
            Kind = kind;
            Char = ch;
            Set = cls;
        }

        internal static Token Any => new(TokenKind.Any, '\0', null);

        internal static Token Star => new(TokenKind.Star, '\0', null);

        internal static Token StarStar => new(TokenKind.StarStar, '\0', null);

        internal TokenKind Kind { get; }

        internal char Char { get; }

        internal CharClass? Set { get; }

        internal bool IsSlash => Kind == TokenKind.Literal && Char == '/';

        internal static Token Literal(char c) => new(TokenKind.Literal, c, null);

        internal static Token Class(CharClass cls) => new(TokenKind.Class, '\0', cls);

        // The token as the matcher uses it: literals folded when ignoring case, classes with their ASCII bitmap.
        internal Token Compiled(bool ignoreCase) => Kind switch
        {
            TokenKind.Literal when ignoreCase => Literal(GlobPattern.Fold(Char)),
            TokenKind.Class => Class(Set!.Compiled(ignoreCase)),
            _ => this,
        };
    }

    // A compiled pattern. Matches text[start..end): the name for an unanchored pattern, the path for an anchored one.
    internal sealed class GlobPattern
    {
        private const int Match = 0;
        private const int NoMatch = 1;
        private const int AbortAll = -1;
        private const int AbortToStarStar = -2;

        private readonly Kind _kind;
        private readonly Token[] _tokens;
        private readonly bool _ignoreCase;
        private readonly string _literal; // Exact, Prefix, Suffix: the literal; General: the literal prefix
        private readonly string _suffix; // General: the literal suffix
        private readonly int _minLength;

        private GlobPattern(Kind kind, Token[] tokens, bool ignoreCase, string literal, string suffix, int minLength)
        {
            _kind = kind;
            _tokens = tokens;
            _ignoreCase = ignoreCase;
            _literal = literal;
            _suffix = suffix;
            _minLength = minLength;
        }

        private enum Kind : byte
        {
            MatchAll,
            Exact,
            Prefix,
            Suffix,
            General,
        }

        internal static char Fold(char c)
        {
            if (c < 0x80)
            {
                return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
            }

            return char.ToUpperInvariant(c);
        }

        internal static GlobPattern Compile(List<Token> list, bool basename, bool ignoreCase)
        {
            var tokens = list.ToArray();
            for (var i = 0; i < tokens.Length; i++)
            {
                tokens[i] = tokens[i].Compiled(ignoreCase);
            }

            var leading = 0;
            while (leading < tokens.Length && tokens[leading].Kind == TokenKind.Literal)
            {
                leading++;
            }

            if (leading == tokens.Length)
            {
                return new GlobPattern(Kind.Exact, tokens, ignoreCase, LiteralOf(tokens, 0, tokens.Length), "", tokens.Length);
            }

            var trailing = 0;
            while (tokens[tokens.Length - 1 - trailing].Kind == TokenKind.Literal)
            {
                trailing++;
            }

            // A name has no '/', so '*' there is "anything": cheap prefix and suffix tests are exact.
            if (basename && tokens.Length == 1 && tokens[0].Kind == TokenKind.Star)
            {
                return new GlobPattern(Kind.MatchAll, tokens, ignoreCase, "", "", 0);
            }

            if (basename && leading == 0 && trailing == tokens.Length - 1 && tokens[0].Kind == TokenKind.Star)
            {
                return new GlobPattern(Kind.Suffix, tokens, ignoreCase, LiteralOf(tokens, 1, trailing), "", trailing);
            }

            if (basename && trailing == 0 && leading == tokens.Length - 1 && tokens[leading].Kind == TokenKind.Star)
            {
                return new GlobPattern(Kind.Prefix, tokens, ignoreCase, LiteralOf(tokens, 0, leading), "", leading);
            }

            // The '/' after a "**" may match nothing ("a/**/b" matches "a/b"), so it is left out of the shortest
            // length and of the literal suffix.
            if (trailing > 0 && tokens[tokens.Length - trailing - 1].Kind == TokenKind.StarStar)
            {
                trailing--;
            }

            var minLength = 0;
            for (var i = 0; i < tokens.Length; i++)
            {
                var kind = tokens[i].Kind;
                if (kind is TokenKind.Any or TokenKind.Class ||
                    (kind == TokenKind.Literal && !(i > 0 && tokens[i - 1].Kind == TokenKind.StarStar)))
                {
                    minLength++;
                }
            }

            return new GlobPattern(Kind.General, tokens, ignoreCase, LiteralOf(tokens, 0, leading), LiteralOf(tokens, tokens.Length - trailing, trailing), minLength);
        }

        private static string LiteralOf(Token[] tokens, int start, int count)
        {
            var chars = new char[count];
            for (var i = 0; i < count; i++)
            {
                chars[i] = tokens[start + i].Char;
            }

            return new string(chars);
        }

        internal bool Matches(string text, int start, int end)
        {
            var length = end - start;
            switch (_kind)
            {
                case Kind.MatchAll:
                    return true;
                case Kind.Exact:
                    return length == _literal.Length && RegionEquals(text, start, _literal);
                case Kind.Prefix:
                    return length >= _literal.Length && RegionEquals(text, start, _literal);
                case Kind.Suffix:
                    return length >= _literal.Length && RegionEquals(text, end - _literal.Length, _literal);
                default:
                    if (length < _minLength ||
                        (_literal.Length > 0 && !RegionEquals(text, start, _literal)) ||
                        (_suffix.Length > 0 && !RegionEquals(text, end - _suffix.Length, _suffix)))
                    {
                        return false;
                    }

                    return DoMatch(0, text, start, end) == Match;
            }
        }

        private bool RegionEquals(string text, int start, string literal)
        {
            if (!_ignoreCase)
            {
                return string.CompareOrdinal(text, start, literal, 0, literal.Length) == 0;
            }

            for (var i = 0; i < literal.Length; i++)
            {
                if (Fold(text[start + i]) != literal[i])
                {
                    return false;
                }
            }

            return true;
        }

        private bool CharEquals(char textChar, char patternChar) =>
            textChar == patternChar || (_ignoreCase && Fold(textChar) == patternChar);

        private static int CodePointAt(string text, int i, int end, out int width)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < end && char.IsLowSurrogate(text[i + 1]))
            {
                width = 2;
                return char.ConvertToUtf32(c, text[i + 1]);
            }

            width = 1;
            return c;
        }

        // git's dowild() (wildmatch.c, with WM_PATHNAME) over tokens.
        private int DoMatch(int p, string text, int t, int end)
        {
            var tokens = _tokens;
            for (; p < tokens.Length; p++)
            {
                var token = tokens[p];
                switch (token.Kind)
                {
                    case TokenKind.Literal:
                        if (t == end)
                        {
                            return AbortAll;
                        }

                        if (!CharEquals(text[t], token.Char))
                        {
                            return NoMatch;
                        }

                        t++;
                        break;

                    case TokenKind.Any:
                    {
                        if (t == end)
                        {
                            return AbortAll;
                        }

                        if (text[t] == '/')
                        {
                            return NoMatch;
                        }

                        CodePointAt(text, t, end, out var width);
                        t += width;
                        break;
                    }

                    case TokenKind.Class:
                    {
                        if (t == end)
                        {
                            return AbortAll;
                        }

                        var cp = CodePointAt(text, t, end, out var width);
                        if (cp == '/' || !token.Set!.Contains(cp, _ignoreCase))
                        {
                            return NoMatch;
                        }

                        t += width;
                        break;
                    }

                    default:
                    {
                        var matchSlash = token.Kind == TokenKind.StarStar;
                        var last = p + 1 == tokens.Length;
                        if (matchSlash && !last && tokens[p + 1].IsSlash && DoMatch(p + 2, text, t, end) == Match)
                        {
                            return Match; // "**/" matching no folder at all
                        }

                        if (last)
                        {
                            // A trailing "**" matches everything; a trailing '*' only when no '/' is left.
                            return !matchSlash && text.IndexOf('/', t, end - t) >= 0 ? NoMatch : Match;
                        }

                        if (!matchSlash && tokens[p + 1].IsSlash)
                        {
                            // '*' runs up to the next '/', which the next token then matches.
                            var slash = text.IndexOf('/', t, end - t);
                            if (slash < 0)
                            {
                                return NoMatch;
                            }

                            t = slash;
                            break;
                        }

                        var next = tokens[p + 1];
                        var nextIsLiteral = next.Kind == TokenKind.Literal;
                        while (true)
                        {
                            if (t == end)
                            {
                                return AbortAll;
                            }

                            var c = text[t];
                            if (nextIsLiteral && !CharEquals(c, next.Char))
                            {
                                // Skip ahead to where the literal after the star can match.
                                if (!matchSlash && c == '/')
                                {
                                    return AbortToStarStar;
                                }

                                t++;
                                continue;
                            }

                            var result = DoMatch(p + 1, text, t, end);
                            if (result != NoMatch)
                            {
                                if (!matchSlash || result != AbortToStarStar)
                                {
                                    return result;
                                }
                            }
                            else if (!matchSlash && c == '/')
                            {
                                return AbortToStarStar;
                            }

                            CodePointAt(text, t, end, out var width);
                            t += width;
                        }
                    }
                }
            }

            return t == end ? Match : NoMatch;
        }
    }

    // A bracket expression: members and ranges as code points, POSIX classes (ASCII, as git), and a bitmap for ASCII.
    internal sealed class CharClass
    {
        private readonly bool _negated;
        private readonly int[] _ranges; // pairs: low, high (inclusive)
        private readonly Posix _posix;
        private readonly ulong _ascii0; // ASCII 0..63 (folded when ignoring case), before negation
        private readonly ulong _ascii1; // ASCII 64..127

        private CharClass(bool negated, int[] ranges, Posix posix)
        {
            _negated = negated;
            _ranges = ranges;
            _posix = posix;
        }

        private CharClass(CharClass raw, bool ignoreCase)
        {
            _negated = raw._negated;
            _ranges = raw._ranges;
            _posix = raw._posix;
            for (var c = 0; c < 128; c++)
            {
                if (raw.ContainsSlow(c, ignoreCase))
                {
                    if (c < 64)
                    {
                        _ascii0 |= 1UL << c;
                    }
                    else
                    {
                        _ascii1 |= 1UL << (c - 64);
                    }
                }
            }
        }

        [Flags]
        private enum Posix
        {
            None = 0,
            Alnum = 1,
            Alpha = 2,
            Blank = 4,
            Cntrl = 8,
            Digit = 16,
            Graph = 32,
            Lower = 64,
            Print = 128,
            Punct = 256,
            Space = 512,
            Upper = 1024,
            XDigit = 2048,
        }

        // Parses "[...]" at s[i] (git's rules: '!' or '^' negates, a ']' right after the opening bracket or the
        // negation is a member, backslash escapes, "a-z" ranges, "[:name:]" POSIX classes). Leaves i after the ']'.
        // The result has no ASCII bitmap yet: Compiled builds it for the case mode.
        internal static CharClass Parse(string s, ref int i, int firstColumn, LineContext context)
        {
            var open = i;
            var unterminated = $"unterminated character class '[' at column {firstColumn + open} (write '\\[' for a literal '[')";
            i++;
            var negated = false;
            if (i < s.Length && (s[i] == '!' || s[i] == '^'))
            {
                negated = true;
                i++;
            }

            var ranges = new List<int>();
            var posix = Posix.None;
            var previous = -1; // the previous single member, which a '-' can start a range from
            var first = true;
            while (true)
            {
                if (i >= s.Length)
                {
                    throw context.Error(unterminated);
                }

                var c = s[i];
                if (c == ']' && !first)
                {
                    i++;
                    break;
                }

                first = false;
                if (c == '\\')
                {
                    i++;
                    if (i >= s.Length)
                    {
                        throw context.Error(unterminated);
                    }

                    previous = ReadCodePoint(s, ref i);
                    ranges.Add(previous);
                    ranges.Add(previous);
                }
                else if (c == '-' && previous >= 0 && i + 1 < s.Length && s[i + 1] != ']')
                {
                    i++;
                    if (s[i] == '\\')
                    {
                        i++;
                        if (i >= s.Length)
                        {
                            throw context.Error(unterminated);
                        }
                    }

                    var high = ReadCodePoint(s, ref i);
                    if (high < previous)
                    {
                        throw context.Error($"reversed range '{char.ConvertFromUtf32(previous)}-{char.ConvertFromUtf32(high)}' in the character class at column {firstColumn + open}");
                    }

                    ranges.Add(previous);
                    ranges.Add(high);
                    previous = -1;
                }
                else if (c == '[' && i + 1 < s.Length && s[i + 1] == ':')
                {
                    var nameStart = i + 2;
                    var close = s.IndexOf(']', nameStart);
                    if (close < 0)
                    {
                        throw context.Error(unterminated);
                    }

                    if (close - nameStart - 1 < 0 || s[close - 1] != ':')
                    {
                        // Not "[:name:]": a literal '['.
                        previous = '[';
                        ranges.Add('[');
                        ranges.Add('[');
                        i++;
                    }
                    else
                    {
                        var name = s.Substring(nameStart, close - 1 - nameStart);
                        posix |= PosixByName(name) ?? throw context.Error($"unknown character class '[:{name}:]' at column {firstColumn + i} (known: alnum, alpha, blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit)");
                        i = close + 1;
                        previous = -1;
                    }
                }
                else
                {
                    previous = ReadCodePoint(s, ref i);
                    ranges.Add(previous);
                    ranges.Add(previous);
                }
            }

            return new CharClass(negated, ranges.ToArray(), posix);
        }

        internal CharClass Compiled(bool ignoreCase) => new(this, ignoreCase);

        // Whether the class matches a code point (never '/'; the caller checks that).
        internal bool Contains(int cp, bool ignoreCase)
        {
            bool member;
            if (cp < 64)
            {
                member = (_ascii0 & (1UL << cp)) != 0;
            }
            else if (cp < 128)
            {
                member = (_ascii1 & (1UL << (cp - 64))) != 0;
            }
            else
            {
                member = ContainsSlow(cp, ignoreCase);
            }

            return member != _negated;
        }

        private static int ReadCodePoint(string s, ref int i)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i += 2;
                return char.ConvertToUtf32(c, s[i - 1]);
            }

            i++;
            return c;
        }

        private static Posix? PosixByName(string name) => name switch
        {
            "alnum" => Posix.Alnum,
            "alpha" => Posix.Alpha,
            "blank" => Posix.Blank,
            "cntrl" => Posix.Cntrl,
            "digit" => Posix.Digit,
            "graph" => Posix.Graph,
            "lower" => Posix.Lower,
            "print" => Posix.Print,
            "punct" => Posix.Punct,
            "space" => Posix.Space,
            "upper" => Posix.Upper,
            "xdigit" => Posix.XDigit,
            _ => null,
        };

        // Membership before negation, without the bitmap.
        private bool ContainsSlow(int cp, bool ignoreCase)
        {
            if (InRanges(cp) || InPosix(cp))
            {
                return true;
            }

            if (!ignoreCase || cp > 0xFFFF)
            {
                return false;
            }

            var upper = char.ToUpperInvariant((char)cp);
            var lower = char.ToLowerInvariant((char)cp);
            return (upper != cp && (InRanges(upper) || InPosix(upper))) || (lower != cp && (InRanges(lower) || InPosix(lower)));
        }

        private bool InRanges(int cp)
        {
            var ranges = _ranges;
            for (var i = 0; i < ranges.Length; i += 2)
            {
                if (cp >= ranges[i] && cp <= ranges[i + 1])
                {
                    return true;
                }
            }

            return false;
        }

        private bool InPosix(int cp)
        {
            if (_posix == Posix.None || cp >= 128)
            {
                return false;
            }

            var c = (char)cp;
            var upper = c >= 'A' && c <= 'Z';
            var lower = c >= 'a' && c <= 'z';
            var digit = c >= '0' && c <= '9';
            var graph = c > 0x20 && c < 0x7f;
            return ((_posix & Posix.Alnum) != 0 && (upper || lower || digit)) ||
                   ((_posix & Posix.Alpha) != 0 && (upper || lower)) ||
                   ((_posix & Posix.Blank) != 0 && (c == ' ' || c == '\t')) ||
                   ((_posix & Posix.Cntrl) != 0 && (c < 0x20 || c == 0x7f)) ||
                   ((_posix & Posix.Digit) != 0 && digit) ||
                   ((_posix & Posix.Graph) != 0 && graph) ||
                   ((_posix & Posix.Lower) != 0 && lower) ||
                   ((_posix & Posix.Print) != 0 && (graph || c == ' ')) ||
                   ((_posix & Posix.Punct) != 0 && graph && !(upper || lower || digit)) ||
                   ((_posix & Posix.Space) != 0 && (c == ' ' || (c >= '\t' && c <= '\r'))) ||
                   ((_posix & Posix.Upper) != 0 && upper) ||
                   ((_posix & Posix.XDigit) != 0 && (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
        }
    }
}

/// <summary>One rule of an <see cref="IgnoreRules"/> set: one line that is neither blank nor a comment.</summary>
public sealed class IgnoreRule
{
    internal IgnoreRule(string source, int line, string text, bool isNegation, bool directoryOnly, bool isAnchored, IgnoreRules.GlobPattern? pattern)
    {
        Source = source;
        Line = line;
        Text = text;
        IsNegation = isNegation;
        DirectoryOnly = directoryOnly;
        IsAnchored = isAnchored;
        Pattern = pattern;
    }

    /// <summary>Where the rule came from: the ignore file's path, <c>"parameter"</c>, or <c>"built-in"</c>.</summary>
    public string Source { get; }

    /// <summary>The 1-based line in the file, or the 1-based position among parameter patterns (0 when built in).</summary>
    public int Line { get; }

    /// <summary>The rule as written, with trailing spaces trimmed (and in Unicode NFC).</summary>
    public string Text { get; }

    /// <summary>Whether the rule starts with '!': a path it matches is included again.</summary>
    public bool IsNegation { get; }

    /// <summary>Whether the rule ends with '/': it matches folders only.</summary>
    public bool DirectoryOnly { get; }

    /// <summary>Whether the rule is matched against the whole path from the root (it has a '/' at the start or in the
    /// middle), rather than against the name at any depth.</summary>
    public bool IsAnchored { get; }

    internal IgnoreRules.GlobPattern? Pattern { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Source}:{Line}: {Text}";
}
