using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SyncEngine.BuildTools;

/// <summary>
/// The YAML of PlatyPS front matter and parameter blocks, read with YamlDotNet: mappings become case-insensitive
/// dictionaries, sequences <see cref="List{T}"/>, scalars strings (null for <c>~</c>, <c>null</c> or nothing).
/// </summary>
public static class YamlData
{
    /// <summary>Parses a YAML mapping (an empty text is an empty mapping).</summary>
    /// <param name="text">The YAML text.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    public static Dictionary<string, object?> ParseMapping(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}: YAML line {ex.Start.Line}: {(ex.InnerException ?? ex).Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up this way on some malformed input (an unclosed flow sequence), with no line.
            throw new FormatException($"{source}: the YAML is not well formed ({ex.Message}).", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        }

        return Convert(stream.Documents[0].RootNode, source) as Dictionary<string, object?>
            ?? throw new FormatException($"{source}: expected 'key: value' lines.");
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

    private static object? Convert(YamlNode node, string source)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                foreach (var entry in mapping.Children)
                {
                    var key = (entry.Key as YamlScalarNode)?.Value
                        ?? throw new FormatException($"{source}: YAML line {entry.Key.Start.Line}: a key must be plain text.");
                    if (!map.TryAdd(key, Convert(entry.Value, source)))
                    {
                        throw new FormatException($"{source}: YAML key '{key}' appears twice.");
                    }
                }

                return map;
            case YamlSequenceNode sequence:
                var list = new List<object?>();
                foreach (var item in sequence.Children)
                {
                    list.Add(Convert(item, source));
                }

                return list;
            case YamlScalarNode scalar:
                return scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" ? null : scalar.Value;
            default:
                throw new FormatException($"{source}: YAML line {node.Start.Line}: aliases are not supported.");
        }
    }
}
