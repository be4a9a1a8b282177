using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SyncEngine.BuildTools;

/// <summary>
/// Reads a PowerShell data file (.psd1) without PowerShell: the restricted language subset module manifests use
/// (hashtables, arrays, single/double-quoted and here-strings, $true/$false/$null, numbers, comments).
/// Hashtables become case-insensitive dictionaries, arrays become <see cref="List{T}"/> of values.
/// </summary>
public sealed class Psd1Reader
{
    private readonly string _text;
    private readonly string _source;
    private int _pos;

    private Psd1Reader(string text, string source)
    {
        _text = text;
        _source = source;
    }

    /// <summary>Parses the text of a data file whose top-level value is a hashtable.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="source">The file name, for error messages.</param>
    public static Dictionary<string, object?> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Psd1Reader(text, source);
        reader.SkipTrivia(true);
        if (!reader.Peek("@{"))
        {
            throw reader.Error("expected the data file to start with '@{'");
        }

        var table = reader.ReadHashtable();
        reader.SkipTrivia(true);
        if (reader._pos < reader._text.Length)
        {
            throw reader.Error("unexpected text after the closing '}'");
        }

        return table;
    }

    /// <summary>Reads <c>key</c> of <paramref name="table"/> as a string list (a single string counts as a list of one).</summary>
    public static IReadOnlyList<string> GetStrings(IReadOnlyDictionary<string, object?> table, string key)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.TryGetValue(key, out var value) || value is null)
        {
            return Array.Empty<string>();
        }

        if (value is string s)
        {
            return new[] { s };
        }

        var list = new List<string>();
        if (value is List<object?> items)
        {
            foreach (var item in items)
            {
                if (item is string text)
                {
                    list.Add(text);
                }
                else
                {
                    throw new FormatException($"'{key}' must contain only strings.");
                }
            }

            return list;
        }

        throw new FormatException($"'{key}' must be a string or an array of strings.");
    }

    /// <summary>Reads <c>key</c> of <paramref name="table"/> as a string, or null when absent.</summary>
    public static string? GetString(IReadOnlyDictionary<string, object?> table, string key)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.TryGetValue(key, out var value) || value is null)
        {
            return null;
        }

        return value as string ?? throw new FormatException($"'{key}' must be a string.");
    }

    /// <summary>Reads <c>key</c> of <paramref name="table"/> as a nested hashtable, or null when absent.</summary>
    public static Dictionary<string, object?>? GetTable(IReadOnlyDictionary<string, object?> table, string key)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.TryGetValue(key, out var value) || value is null)
        {
            return null;
        }

        return value as Dictionary<string, object?> ?? throw new FormatException($"'{key}' must be a hashtable.");
    }

    private Dictionary<string, object?> ReadHashtable()
    {
        Expect("@{");
        var table = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipTrivia(true, alsoSemicolons: true);
            if (_pos >= _text.Length)
            {
                throw Error("missing '}' to close a hashtable");
            }

            if (_text[_pos] == '}')
            {
                _pos++;
                return table;
            }

            var keyAt = _pos;
            var key = ReadKey();
            SkipTrivia(false);
            Expect("=");
            SkipTrivia(true);
            var value = ReadValueOrList();
            if (!table.TryAdd(key, value))
            {
                _pos = keyAt;
                throw Error($"duplicate key '{key}'");
            }

            SkipTrivia(false);
            if (_pos < _text.Length && _text[_pos] != '\n' && _text[_pos] != '\r' && _text[_pos] != ';' && _text[_pos] != '}')
            {
                throw Error("expected a new line, ';' or '}' after a value");
            }
        }
    }

    private List<object?> ReadArray()
    {
        Expect("@(");
        var list = new List<object?>();
        while (true)
        {
            SkipTrivia(true);
            if (_pos >= _text.Length)
            {
                throw Error("missing ')' to close an array");
            }

            if (_text[_pos] == ')')
            {
                _pos++;
                return list;
            }

            if (_text[_pos] == '}')
            {
                throw Error("missing ')' to close an array");
            }

            if (_text[_pos] == ',')
            {
                _pos++;
                continue;
            }

            var value = ReadValue();
            list.Add(value);
        }
    }

    // A value, or a bare comma list such as  'a', 'b'  (which PowerShell also makes an array).
    private object? ReadValueOrList()
    {
        var first = ReadValue();
        SkipTrivia(false);
        if (_pos >= _text.Length || _text[_pos] != ',')
        {
            return first;
        }

        var list = new List<object?> { first };
        while (_pos < _text.Length && _text[_pos] == ',')
        {
            _pos++;
            SkipTrivia(true);
            list.Add(ReadValue());
            SkipTrivia(false);
        }

        return list;
    }

    private object? ReadValue()
    {
        if (_pos >= _text.Length)
        {
            throw Error("expected a value");
        }

        if (Peek("@{"))
        {
            return ReadHashtable();
        }

        if (Peek("@("))
        {
            return ReadArray();
        }

        if (Peek("@'") || Peek("@\""))
        {
            return ReadHereString();
        }

        var c = _text[_pos];
        if (c == '\'')
        {
            return ReadSingleQuoted();
        }

        if (c == '"')
        {
            return ReadDoubleQuoted();
        }

        if (c == '$')
        {
            var word = ReadWord(1);
            return word.ToUpperInvariant() switch
            {
                "$TRUE" => true,
                "$FALSE" => false,
                "$NULL" => null,
                _ => throw Error($"variables are not allowed in a data file ('{word}')"),
            };
        }

        if (char.IsDigit(c) || c == '-' || c == '+' || c == '.')
        {
            var start = _pos;
            _pos++;
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '.'))
            {
                _pos++;
            }

            var number = _text.Substring(start, _pos - start);
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                _pos = start;
                throw Error($"'{number}' is not a number");
            }

            return number;
        }

        throw Error($"unexpected character '{c}' where a value was expected");
    }

    private string ReadKey()
    {
        var c = _text[_pos];
        if (c == '\'')
        {
            return ReadSingleQuoted();
        }

        if (c == '"')
        {
            return ReadDoubleQuoted();
        }

        if (!char.IsLetter(c) && c != '_')
        {
            throw Error($"expected a key, found '{c}'");
        }

        return ReadWord(0);
    }

    private string ReadWord(int skip)
    {
        var start = _pos;
        _pos += skip;
        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
        {
            _pos++;
        }

        return _text.Substring(start, _pos - start);
    }

    private string ReadSingleQuoted()
    {
        var start = _pos;
        _pos++;
        var sb = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos++];
            if (c == '\'')
            {
                if (_pos < _text.Length && _text[_pos] == '\'')
                {
                    sb.Append('\'');
                    _pos++;
                    continue;
                }

                return sb.ToString();
            }

            sb.Append(c);
        }

        _pos = start;
        throw Error("unterminated single-quoted string");
    }

    private string ReadDoubleQuoted()
    {
        var start = _pos;
        _pos++;
        var sb = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos++];
            if (c == '`' && _pos < _text.Length)
            {
                var e = _text[_pos++];
                sb.Append(e switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '0' => '\0', _ => e });
                continue;
            }

            if (c == '$' && _pos < _text.Length && (char.IsLetter(_text[_pos]) || _text[_pos] == '{' || _text[_pos] == '('))
            {
                _pos--;
                throw Error("variables and subexpressions are not allowed in a data file's strings");
            }

            if (c == '"')
            {
                if (_pos < _text.Length && _text[_pos] == '"')
                {
                    sb.Append('"');
                    _pos++;
                    continue;
                }

                return sb.ToString();
            }

            sb.Append(c);
        }

        _pos = start;
        throw Error("unterminated double-quoted string");
    }

    private string ReadHereString()
    {
        var quote = _text[_pos + 1];
        var start = _pos;
        _pos += 2;
        while (_pos < _text.Length && (_text[_pos] == ' ' || _text[_pos] == '\t'))
        {
            _pos++;
        }

        if (_pos < _text.Length && _text[_pos] == '\r')
        {
            _pos++;
        }

        if (_pos >= _text.Length || _text[_pos] != '\n')
        {
            throw Error("a here-string's opening quote must end its line");
        }

        _pos++;
        var bodyStart = _pos;
        var terminator = "\n" + quote + "@";
        var end = _text.IndexOf(terminator, bodyStart - 1, StringComparison.Ordinal);
        if (end < 0)
        {
            _pos = start;
            throw Error("unterminated here-string");
        }

        var body = end < bodyStart ? string.Empty : _text.Substring(bodyStart, end - bodyStart);
        _pos = end + terminator.Length;
        return body.TrimEnd('\r');
    }

    private void SkipTrivia(bool newlines, bool alsoSemicolons = false)
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == ' ' || c == '\t' || (newlines && (c == '\r' || c == '\n')) || (alsoSemicolons && c == ';'))
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else if (Peek("<#"))
            {
                var end = _text.IndexOf("#>", _pos + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw Error("unterminated block comment");
                }

                _pos = end + 2;
            }
            else if (c == '`' && _pos + 1 < _text.Length && (_text[_pos + 1] == '\n' || _text[_pos + 1] == '\r'))
            {
                _pos++;
                while (_pos < _text.Length && (_text[_pos] == '\r' || _text[_pos] == '\n'))
                {
                    _pos++;
                }
            }
            else
            {
                break;
            }
        }
    }

    private bool Peek(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private void Expect(string s)
    {
        if (!Peek(s))
        {
            throw Error($"expected '{s}'");
        }

        _pos += s.Length;
    }

    private FormatException Error(string message)
    {
        var line = 1;
        var col = 1;
        for (var i = 0; i < _pos && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                col = 1;
            }
            else
            {
                col++;
            }
        }

        return new FormatException($"{_source}({line},{col}): {message}.");
    }
}
