using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace SyncEngine.BuildTools;

/// <summary>The kinds of markdown block the help files use.</summary>
public enum BlockKind
{
    /// <summary>An ATX heading (# … ######).</summary>
    Heading,
    /// <summary>A paragraph.</summary>
    Paragraph,
    /// <summary>A fenced code block.</summary>
    Code,
    /// <summary>A bulleted or numbered list.</summary>
    List,
    /// <summary>A pipe table.</summary>
    Table,
}

/// <summary>One markdown block.</summary>
public sealed class MdBlock
{
    /// <summary>What kind of block.</summary>
    public BlockKind Kind { get; init; }

    /// <summary>Heading level (1-6).</summary>
    public int Level { get; init; }

    /// <summary>Heading text, or a paragraph's text (lines joined by spaces; hard breaks kept as new lines).</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>A code block's info string (language).</summary>
    public string Language { get; init; } = string.Empty;

    /// <summary>Code lines, list items or table rows.</summary>
    public List<string> Lines { get; } = new();

    /// <summary>For lists: whether numbered.</summary>
    public bool Ordered { get; init; }

    /// <summary>The 1-based line the block starts on.</summary>
    public int LineNumber { get; init; }
}

/// <summary>Splits markdown into blocks (the CommonMark subset PlatyPS files use) and renders inline markup as text.</summary>
public static partial class MarkdownBlocks
{
    [GeneratedRegex(@"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"^([ ]{0,3})([-*+]|\d{1,9}[.)])[ \t]+(.*)$")]
    private static partial Regex ListItemPattern();

    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"(\*\*|__)(.+?)\1")]
    private static partial Regex StrongPattern();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpanPattern();

    [GeneratedRegex(@"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])")]
    private static partial Regex EmphasisPattern();

    /// <summary>Parses lines into blocks.</summary>
    /// <param name="lines">The markdown lines (front matter already removed).</param>
    /// <param name="firstLineNumber">The 1-based number of the first line, for messages.</param>
    public static List<MdBlock> Parse(IReadOnlyList<string> lines, int firstLineNumber = 1)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var blocks = new List<MdBlock>();
        MdBlock? open = null;
        var paragraph = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            var lineNumber = firstLineNumber + i;

            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                Close();
                var fence = trimmed.Substring(0, 3);
                var indent = line.Length - line.TrimStart().Length;
                var code = new MdBlock { Kind = BlockKind.Code, Language = trimmed.TrimStart(fence[0]).Trim(), LineNumber = lineNumber };
                var closed = false;
                for (i++; i < lines.Count; i++)
                {
                    if (lines[i].Trim().StartsWith(fence, StringComparison.Ordinal) && lines[i].Trim().TrimStart(fence[0]).Length == 0)
                    {
                        closed = true;
                        break;
                    }

                    var codeLine = lines[i];
                    var strip = 0;
                    while (strip < indent && strip < codeLine.Length && codeLine[strip] == ' ')
                    {
                        strip++;
                    }

                    code.Lines.Add(codeLine.Substring(strip).TrimEnd());
                }

                if (!closed)
                {
                    throw new FormatException($"line {lineNumber}: code block is never closed with {fence}.");
                }

                blocks.Add(code);
                continue;
            }

            if (trimmed.Length == 0)
            {
                Close();
                continue;
            }

            var heading = HeadingPattern().Match(line);
            if (heading.Success)
            {
                Close();
                blocks.Add(new MdBlock { Kind = BlockKind.Heading, Level = heading.Groups[1].Length, Text = heading.Groups[2].Value, LineNumber = lineNumber });
                continue;
            }

            if (trimmed.StartsWith('|'))
            {
                if (open is null || open.Kind != BlockKind.Table)
                {
                    Close();
                    open = new MdBlock { Kind = BlockKind.Table, LineNumber = lineNumber };
                }

                open.Lines.Add(trimmed);
                continue;
            }

            var item = ListItemPattern().Match(line);
            if (item.Success)
            {
                var ordered = char.IsDigit(item.Groups[2].Value[0]);
                if (open is null || open.Kind != BlockKind.List || open.Ordered != ordered)
                {
                    Close();
                    open = new MdBlock { Kind = BlockKind.List, Ordered = ordered, LineNumber = lineNumber };
                }

                open.Lines.Add(item.Groups[3].Value.Trim());
                continue;
            }

            if (open is not null && open.Kind == BlockKind.List && line.StartsWith("  ", StringComparison.Ordinal))
            {
                open.Lines[^1] = open.Lines[^1] + " " + trimmed;
                continue;
            }

            if (open is null || open.Kind != BlockKind.Paragraph)
            {
                Close();
                open = new MdBlock { Kind = BlockKind.Paragraph, LineNumber = lineNumber };
                paragraph.Clear();
            }

            var hardBreak = line.EndsWith("  ", StringComparison.Ordinal) || trimmed.EndsWith('\\');
            paragraph.Append(trimmed.TrimEnd('\\'));
            paragraph.Append(hardBreak ? "\n" : " ");
        }

        Close();
        return blocks;

        void Close()
        {
            if (open is null)
            {
                return;
            }

            if (open.Kind == BlockKind.Paragraph)
            {
                open.Text = paragraph.ToString().Trim();
                paragraph.Clear();
            }

            blocks.Add(open);
            open = null;
        }
    }

    /// <summary>
    /// Markdown inline markup as plain text, the way console help shows it: strong/emphasis and code-span markers
    /// dropped, a link becomes its text (followed by the address in parentheses when it is absolute).
    /// </summary>
    public static string Inline(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = CodeSpanPattern().Replace(text, "$1");
        result = LinkPattern().Replace(result, m =>
        {
            var label = m.Groups[1].Value;
            var target = m.Groups[2].Value;
            return IsAbsoluteUri(target) && target != label ? $"{label} ({target})" : label;
        });
        result = StrongPattern().Replace(result, "$2");
        result = EmphasisPattern().Replace(result, "$1");
        return result;
    }

    /// <summary>True for http(s) addresses.</summary>
    public static bool IsAbsoluteUri(string target) =>
        target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Finds a markdown link in <paramref name="text"/>: its label and target, or false.</summary>
    public static bool TryGetLink(string text, out string label, out string target)
    {
        var m = LinkPattern().Match(text ?? string.Empty);
        label = m.Success ? m.Groups[1].Value : string.Empty;
        target = m.Success ? m.Groups[2].Value : string.Empty;
        return m.Success;
    }

    /// <summary>
    /// A block as help paragraphs: a paragraph's plain text; a list's items (one line each, bulleted or numbered);
    /// a code block's lines verbatim; a table's rows with their cells aligned.
    /// </summary>
    public static string AsText(MdBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        switch (block.Kind)
        {
            case BlockKind.Paragraph:
            case BlockKind.Heading:
                return Inline(block.Text);
            case BlockKind.Code:
                return string.Join("\n", block.Lines);
            case BlockKind.List:
                var sb = new StringBuilder();
                for (var n = 0; n < block.Lines.Count; n++)
                {
                    if (n > 0)
                    {
                        sb.Append('\n');
                    }

                    sb.Append(block.Ordered ? $"{n + 1}. " : "- ");
                    sb.Append(Inline(block.Lines[n]));
                }

                return sb.ToString();
            case BlockKind.Table:
                return string.Join("\n", TableRows(block));
            default:
                return block.Text;
        }
    }

    /// <summary>A pipe table as aligned plain-text rows (header, a dashed rule, then the body).</summary>
    public static List<string> TableRows(MdBlock table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = new List<string[]>();
        foreach (var line in table.Lines)
        {
            var inner = line.Trim();
            if (inner.StartsWith('|'))
            {
                inner = inner.Substring(1);
            }

            if (inner.EndsWith('|'))
            {
                inner = inner.Substring(0, inner.Length - 1);
            }

            var cells = inner.Split('|');
            var isRule = true;
            for (var c = 0; c < cells.Length; c++)
            {
                cells[c] = Inline(cells[c].Trim());
                if (cells[c].Trim(':', '-', ' ').Length > 0)
                {
                    isRule = false;
                }
            }

            if (!isRule)
            {
                rows.Add(cells);
            }
        }

        var columns = 0;
        foreach (var r in rows)
        {
            columns = Math.Max(columns, r.Length);
        }

        var widths = new int[columns];
        foreach (var r in rows)
        {
            for (var c = 0; c < r.Length; c++)
            {
                widths[c] = Math.Max(widths[c], r[c].Length);
            }
        }

        var result = new List<string>();
        for (var n = 0; n < rows.Count; n++)
        {
            var sb = new StringBuilder();
            for (var c = 0; c < columns; c++)
            {
                var cell = c < rows[n].Length ? rows[n][c] : string.Empty;
                sb.Append(c == columns - 1 ? cell : cell.PadRight(widths[c] + 2));
            }

            result.Add(sb.ToString().TrimEnd());
            if (n == 0)
            {
                var rule = new StringBuilder();
                for (var c = 0; c < columns; c++)
                {
                    rule.Append(new string('-', widths[c]));
                    if (c < columns - 1)
                    {
                        rule.Append("  ");
                    }
                }

                result.Add(rule.ToString());
            }
        }

        return result;
    }
}
