using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

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

/// <summary>A link: its text and its target as written.</summary>
public sealed record MdLink(string Label, string Target);

/// <summary>One markdown block, its inline markup already turned into plain text.</summary>
public sealed class MdBlock
{
    /// <summary>What kind of block.</summary>
    public BlockKind Kind { get; init; }

    /// <summary>Heading level (1-6).</summary>
    public int Level { get; init; }

    /// <summary>A heading's or a paragraph's plain text (soft line breaks as spaces, hard ones as new lines).</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>A code block's info string (language).</summary>
    public string Language { get; init; } = string.Empty;

    /// <summary>Code lines, or list items as plain text.</summary>
    public List<string> Lines { get; } = new();

    /// <summary>A table's cells as plain text, one array per row, the header row first.</summary>
    public List<string[]> Rows { get; } = new();

    /// <summary>The first link of a heading or paragraph (one entry), or of each list item (one per item); null where none.</summary>
    public List<MdLink?> Links { get; } = new();

    /// <summary>For lists: whether numbered.</summary>
    public bool Ordered { get; init; }

    /// <summary>The 1-based line the block starts on.</summary>
    public int LineNumber { get; init; }
}

/// <summary>A markdown file read with Markdig: its YAML front matter and its top-level blocks.</summary>
public sealed record MarkdownFile(Dictionary<string, object?> Metadata, List<MdBlock> Blocks);

/// <summary>
/// Reads markdown with Markdig (CommonMark, pipe tables, YAML front matter) into the blocks the help files use, and
/// renders inline markup as the plain text console help shows.
/// </summary>
public static class MarkdownBlocks
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().Build();

    /// <summary>Reads a markdown file's text.</summary>
    /// <param name="text">The markdown.</param>
    /// <param name="source">The file's path, for messages.</param>
    public static MarkdownFile Read(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\uFEFF');
        var document = Markdown.Parse(text, Pipeline);
        var metadata = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        var blocks = new List<MdBlock>();
        foreach (var block in document)
        {
            if (block is YamlFrontMatterBlock frontMatter)
            {
                metadata = YamlData.ParseMapping(frontMatter.Lines.ToString(), source + " (front matter)");
                continue;
            }

            if (block is ThematicBreakBlock && block.Line == 0)
            {
                throw new FormatException($"{source}: the front matter starting on line 1 is never closed with '---'.");
            }

            Add(blocks, block, source);
        }

        return new MarkdownFile(metadata, blocks);
    }

    /// <summary>
    /// Markdown inline markup as plain text, the way console help shows it: strong/emphasis and code-span markers
    /// dropped, a link becomes its text (followed by the address in parentheses when it is absolute).
    /// </summary>
    public static string Inline(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var paragraph = Markdown.Parse(text, Pipeline).OfType<ParagraphBlock>().FirstOrDefault();
        return paragraph is null ? text.Trim() : PlainText(paragraph.Inline).Text;
    }

    /// <summary>True for http(s) addresses.</summary>
    public static bool IsAbsoluteUri(string target) =>
        target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A block as help paragraphs: a paragraph's plain text; a list's items (one line each, bulleted or numbered);
    /// a code block's lines verbatim; a table's rows with their cells aligned.
    /// </summary>
    public static string AsText(MdBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return block.Kind switch
        {
            BlockKind.Code => string.Join("\n", block.Lines),
            BlockKind.List => string.Join("\n", block.Lines.Select((item, n) => (block.Ordered ? $"{n + 1}. " : "- ") + item)),
            BlockKind.Table => string.Join("\n", TableRows(block)),
            _ => block.Text,
        };
    }

    /// <summary>A pipe table as aligned plain-text rows (header, a dashed rule, then the body).</summary>
    public static List<string> TableRows(MdBlock table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var columns = table.Rows.Count == 0 ? 0 : table.Rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var row in table.Rows)
        {
            for (var c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        var result = new List<string>();
        for (var n = 0; n < table.Rows.Count; n++)
        {
            var sb = new StringBuilder();
            for (var c = 0; c < columns; c++)
            {
                var cell = c < table.Rows[n].Length ? table.Rows[n][c] : string.Empty;
                sb.Append(c == columns - 1 ? cell : cell.PadRight(widths[c] + 2));
            }

            result.Add(sb.ToString().TrimEnd());
            if (n == 0)
            {
                result.Add(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        return result;
    }

    private static void Add(List<MdBlock> blocks, Block block, string source)
    {
        var line = block.Line + 1;
        switch (block)
        {
            case HeadingBlock heading:
                var (title, titleLink) = PlainText(heading.Inline);
                blocks.Add(WithLink(new MdBlock { Kind = BlockKind.Heading, Level = heading.Level, Text = title, LineNumber = line }, titleLink));
                break;
            case ParagraphBlock paragraph:
                var (text, link) = PlainText(paragraph.Inline);
                blocks.Add(WithLink(new MdBlock { Kind = BlockKind.Paragraph, Text = text, LineNumber = line }, link));
                break;
            case FencedCodeBlock fenced:
                if (fenced.ClosingFencedCharCount == 0)
                {
                    throw new FormatException($"{source}: line {line}: code block is never closed with {new string(fenced.FencedChar, fenced.OpeningFencedCharCount)}.");
                }

                blocks.Add(Code(fenced, fenced.Info ?? string.Empty, line));
                break;
            case CodeBlock indented:
                blocks.Add(Code(indented, string.Empty, line));
                break;
            case ListBlock list:
                var items = new MdBlock { Kind = BlockKind.List, Ordered = list.IsOrdered, LineNumber = line };
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var (itemText, itemLink) = ItemText(item);
                    items.Lines.Add(itemText);
                    items.Links.Add(itemLink);
                }

                blocks.Add(items);
                break;
            case Table table:
                var rows = new MdBlock { Kind = BlockKind.Table, LineNumber = line };
                foreach (var row in table.OfType<TableRow>())
                {
                    rows.Rows.Add(row.OfType<TableCell>().Select(cell => string.Join(" ", cell.OfType<ParagraphBlock>().Select(p => PlainText(p.Inline).Text))).ToArray());
                }

                blocks.Add(rows);
                break;
            case HtmlBlock html:
                blocks.Add(new MdBlock { Kind = BlockKind.Paragraph, Text = html.Lines.ToString().Trim(), LineNumber = line });
                break;
            case ContainerBlock container:
                // A block quote: its blocks as if they stood on their own.
                foreach (var child in container)
                {
                    Add(blocks, child, source);
                }

                break;
        }
    }

    private static MdBlock WithLink(MdBlock block, MdLink? link)
    {
        block.Links.Add(link);
        return block;
    }

    private static MdBlock Code(LeafBlock code, string language, int line)
    {
        var block = new MdBlock { Kind = BlockKind.Code, Language = language, LineNumber = line };
        foreach (var codeLine in code.Lines.Lines.Take(code.Lines.Count))
        {
            block.Lines.Add(codeLine.Slice.ToString().TrimEnd());
        }

        return block;
    }

    // A list item as one line of text: its paragraphs (and any nested list's items) joined by spaces.
    private static (string Text, MdLink? Link) ItemText(ContainerBlock item)
    {
        var parts = new List<string>();
        MdLink? first = null;
        foreach (var child in item.Descendants<ParagraphBlock>())
        {
            var (text, link) = PlainText(child.Inline);
            parts.Add(text);
            first ??= link;
        }

        return (string.Join(" ", parts), first);
    }

    private static (string Text, MdLink? Link) PlainText(ContainerInline? inlines)
    {
        var sb = new StringBuilder();
        MdLink? first = null;
        if (inlines is not null)
        {
            Append(sb, inlines, ref first);
        }

        return (sb.ToString().Trim(), first);
    }

    private static void Append(StringBuilder sb, Inline inline, ref MdLink? first)
    {
        switch (inline)
        {
            case LiteralInline literal:
                sb.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                sb.Append(code.Content);
                break;
            case LineBreakInline lineBreak:
                sb.Append(lineBreak.IsHard ? '\n' : ' ');
                break;
            case HtmlEntityInline entity:
                sb.Append(entity.Transcoded.ToString());
                break;
            case HtmlInline html:
                sb.Append(html.Tag);
                break;
            case AutolinkInline autolink:
                sb.Append(autolink.Url);
                first ??= new MdLink(autolink.Url, autolink.Url);
                break;
            case LinkInline link:
                var label = new StringBuilder();
                var inner = (MdLink?)null;
                for (var child = link.FirstChild; child is not null; child = child.NextSibling)
                {
                    Append(label, child, ref inner);
                }

                var target = link.Url ?? string.Empty;
                var text = label.ToString();
                first ??= new MdLink(text, target);
                sb.Append(IsAbsoluteUri(target) && target != text && !link.IsImage ? $"{text} ({target})" : text);
                break;
            case ContainerInline container:
                for (var child = container.FirstChild; child is not null; child = child.NextSibling)
                {
                    Append(sb, child, ref first);
                }

                break;
        }
    }
}
