using System;
using System.Collections.Generic;

namespace SyncEngine.BuildTools;

/// <summary>
/// The YAML subset PlatyPS writes in front matter and parameter blocks: block mappings, block sequences (of scalars or
/// of mappings), flow sequences (<c>[]</c>, <c>[a, b]</c>) and plain or quoted scalars. Mappings become
/// case-insensitive dictionaries, sequences <see cref="List{T}"/>, scalars strings (or null).
/// </summary>
public static class MiniYaml
{
    /// <summary>Parses a YAML block mapping.</summary>
    /// <param name="text">The YAML text.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    public static Dictionary<string, object?> ParseMapping(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>(text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'));
        for (var k = 0; k < lines.Count; k++)
        {
            if (lines[k].Contains('\t', StringComparison.Ordinal))
            {
                throw new FormatException($"{source}: YAML line {k + 1} contains a tab; indent with spaces.");
            }
        }

        var i = 0;
        SkipBlank(lines, ref i);
        if (i >= lines.Count)
        {
            return new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        }

        var result = ParseMap(lines, ref i, Indent(lines[i]), source);
        SkipBlank(lines, ref i);
        if (i < lines.Count)
        {
            throw new FormatException($"{source}: YAML line {i + 1} is indented inconsistently: '{lines[i].Trim()}'.");
        }

        return result;
    }

    /// <summary>Reads a scalar value as a string ('' for absent or null).</summary>
    public static string Text(IReadOnlyDictionary<string, object?> map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.TryGetValue(key, out var v) && v is string s ? s : string.Empty;
    }

    /// <summary>Reads a list of scalars; a scalar is split at commas (the older PlatyPS schema writes lists that way).</summary>
    public static List<string> List(IReadOnlyDictionary<string, object?> map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        var result = new List<string>();
        if (!map.TryGetValue(key, out var v) || v is null)
        {
            return result;
        }

        if (v is string s)
        {
            foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!part.Equals("None", StringComparison.OrdinalIgnoreCase))
                {
                    result.Add(part);
                }
            }

            return result;
        }

        if (v is List<object?> items)
        {
            foreach (var item in items)
            {
                if (item is string text && text.Length > 0)
                {
                    result.Add(text);
                }
            }
        }

        return result;
    }

    /// <summary>Reads a YAML boolean (true/false, any case).</summary>
    public static bool Bool(IReadOnlyDictionary<string, object?> map, string key, string source)
    {
        var text = Text(map, key);
        if (text.Length == 0)
        {
            return false;
        }

        return bool.TryParse(text, out var b) ? b : throw new FormatException($"{source}: '{key}' must be true or false (got '{text}').");
    }

    private static Dictionary<string, object?> ParseMap(List<string> lines, ref int i, int indent, string source)
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipBlank(lines, ref i);
            if (i >= lines.Count)
            {
                return map;
            }

            var line = lines[i];
            var ind = Indent(line);
            if (ind < indent)
            {
                return map;
            }

            var content = line.Trim();
            if (ind > indent)
            {
                throw new FormatException($"{source}: YAML line {i + 1} is indented more than its mapping: '{content}'.");
            }

            if (content.StartsWith('-'))
            {
                return map;
            }

            var colon = FindKeyColon(content);
            if (colon < 0)
            {
                throw new FormatException($"{source}: YAML line {i + 1} is not 'key: value': '{content}'.");
            }

            var key = Unquote(content.Substring(0, colon).Trim());
            var rest = content.Substring(colon + 1).Trim();
            i++;
            object? value;
            if (rest.Length > 0)
            {
                value = Scalar(rest);
            }
            else
            {
                SkipBlank(lines, ref i);
                if (i < lines.Count && Indent(lines[i]) >= indent && lines[i].TrimStart().StartsWith('-') && Indent(lines[i]) <= indent + 2)
                {
                    value = ParseSequence(lines, ref i, Indent(lines[i]), source);
                }
                else if (i < lines.Count && Indent(lines[i]) > indent)
                {
                    value = ParseMap(lines, ref i, Indent(lines[i]), source);
                }
                else
                {
                    value = null;
                }
            }

            if (!map.TryAdd(key, value))
            {
                throw new FormatException($"{source}: YAML key '{key}' appears twice.");
            }
        }
    }

    private static List<object?> ParseSequence(List<string> lines, ref int i, int indent, string source)
    {
        var list = new List<object?>();
        while (true)
        {
            SkipBlank(lines, ref i);
            if (i >= lines.Count || Indent(lines[i]) != indent || !lines[i].TrimStart().StartsWith('-'))
            {
                return list;
            }

            var content = lines[i].Trim();
            var item = content.Length == 1 ? string.Empty : content.Substring(1).TrimStart();
            if (item.Length > 0 && FindKeyColon(item) > 0)
            {
                // "- key: value" starts a mapping whose entries sit two columns in.
                lines[i] = new string(' ', indent + 2) + item;
                list.Add(ParseMap(lines, ref i, indent + 2, source));
            }
            else
            {
                list.Add(item.Length == 0 ? null : Scalar(item));
                i++;
            }
        }
    }

    private static object? Scalar(string text)
    {
        if (text == "[]")
        {
            return new List<object?>();
        }

        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            var list = new List<object?>();
            foreach (var part in text.Substring(1, text.Length - 2).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                list.Add(Unquote(part));
            }

            return list;
        }

        if (text is "~" or "null")
        {
            return null;
        }

        return Unquote(text);
    }

    private static string Unquote(string text)
    {
        if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
        {
            return text.Substring(1, text.Length - 2).Replace("''", "'", StringComparison.Ordinal);
        }

        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            return text.Substring(1, text.Length - 2).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }

        return text;
    }

    // The colon that ends a key: the first ':' followed by a space or the end, outside quotes.
    private static int FindKeyColon(string content)
    {
        if (content.Length > 0 && (content[0] == '\'' || content[0] == '"'))
        {
            var close = content.IndexOf(content[0], 1);
            if (close < 0)
            {
                return -1;
            }

            return close + 1 < content.Length && content[close + 1] == ':' ? close + 1 : -1;
        }

        for (var k = 0; k < content.Length; k++)
        {
            if (content[k] == ':' && (k + 1 == content.Length || content[k + 1] == ' '))
            {
                return k;
            }
        }

        return -1;
    }

    private static int Indent(string line)
    {
        var n = 0;
        while (n < line.Length && line[n] == ' ')
        {
            n++;
        }

        return n;
    }

    private static void SkipBlank(List<string> lines, ref int i)
    {
        while (i < lines.Count && (lines[i].Trim().Length == 0 || lines[i].TrimStart().StartsWith('#')))
        {
            i++;
        }
    }
}
