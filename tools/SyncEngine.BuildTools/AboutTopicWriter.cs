using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SyncEngine.BuildTools;

/// <summary>
/// Turns an about topic in PlatyPS markdown (<c># about_Topic</c>, <c>## Short description</c>,
/// <c>## Long description</c> with any subtopics, <c>## See also</c>) into the plain-text
/// <c>about_Topic.help.txt</c> that Get-Help shows: headings in capitals, text wrapped at 80 columns.
/// </summary>
public static class AboutTopicWriter
{
    /// <summary>The widest line written (Get-Help's convention for about files).</summary>
    public const int Width = 80;

    /// <summary>The H2 sections an about topic must have.</summary>
    public static readonly IReadOnlyList<string> RequiredSections = new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION" };

    /// <summary>Converts the markdown file at <paramref name="markdownPath"/> and writes <paramref name="outputPath"/>.</summary>
    public static void ConvertFile(string markdownPath, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(markdownPath);
        ArgumentNullException.ThrowIfNull(outputPath);
        var text = Convert(File.ReadAllText(markdownPath), markdownPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(outputPath, text, new UTF8Encoding(false));
    }

    /// <summary>The topic name (the H1 title) of an about topic file.</summary>
    public static string TopicName(string markdown, string source)
    {
        var title = MarkdownBlocks.Read(markdown, source).Blocks.FirstOrDefault(b => b.Kind == BlockKind.Heading && b.Level == 1);
        return title?.Text ?? throw new FormatException($"{source}: no '# about_<Topic>' title.");
    }

    /// <summary>Converts about-topic markdown to help text.</summary>
    public static string Convert(string markdown, string source)
    {
        var blocks = MarkdownBlocks.Read(markdown, source).Blocks;
        var title = blocks.FirstOrDefault(b => b.Kind == BlockKind.Heading && b.Level == 1)
            ?? throw new FormatException($"{source}: no '# about_<Topic>' title.");
        if (!title.Text.Trim().StartsWith("about_", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"{source}({title.LineNumber}): an about topic's title must start with 'about_' (got '{title.Text}').");
        }

        var h2 = blocks.Where(b => b.Kind == BlockKind.Heading && b.Level == 2).Select(b => b.Text.Trim().ToUpperInvariant()).ToList();
        foreach (var required in RequiredSections)
        {
            if (!h2.Contains(required))
            {
                throw new FormatException($"{source}: missing the '## {required}' section (sentence case in markdown, e.g. '## Short description').");
            }
        }

        var sb = new StringBuilder();
        sb.Append("TOPIC\n    ").Append(title.Text.Trim()).Append('\n');
        var afterHeading = true;
        foreach (var block in blocks)
        {
            if (ReferenceEquals(block, title))
            {
                continue;
            }

            if (block.Kind != BlockKind.Heading && !afterHeading)
            {
                sb.Append('\n');
            }

            afterHeading = block.Kind == BlockKind.Heading;

            switch (block.Kind)
            {
                case BlockKind.Heading when block.Level == 2:
                    sb.Append('\n').Append(block.Text.Trim().ToUpperInvariant()).Append('\n');
                    break;
                case BlockKind.Heading:
                    sb.Append('\n').Append("  ").Append(block.Text).Append('\n');
                    break;
                case BlockKind.Paragraph:
                    foreach (var line in Wrap(block.Text, 4, 4))
                    {
                        sb.Append(line).Append('\n');
                    }

                    break;
                case BlockKind.List:
                    for (var n = 0; n < block.Lines.Count; n++)
                    {
                        var bullet = block.Ordered ? $"{n + 1}. " : "- ";
                        var lines = Wrap(block.Lines[n], 4 + bullet.Length, 4 + bullet.Length);
                        lines[0] = new string(' ', 4) + bullet + lines[0].TrimStart();
                        foreach (var line in lines)
                        {
                            sb.Append(line).Append('\n');
                        }
                    }

                    break;
                case BlockKind.Code:
                    foreach (var line in block.Lines)
                    {
                        sb.Append(line.Length == 0 ? string.Empty : "      " + line).Append('\n');
                    }

                    break;
                case BlockKind.Table:
                    foreach (var row in MarkdownBlocks.TableRows(block))
                    {
                        sb.Append("    ").Append(row).Append('\n');
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Wraps text at <see cref="Width"/> columns, honouring the text's own line breaks.</summary>
    public static List<string> Wrap(string text, int firstIndent, int indent)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        var pad = firstIndent;
        foreach (var hardLine in text.Split('\n'))
        {
            var current = new StringBuilder(new string(' ', pad));
            var empty = true;
            foreach (var word in hardLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && current.Length + 1 + word.Length > Width)
                {
                    lines.Add(current.ToString());
                    current = new StringBuilder(new string(' ', indent));
                    empty = true;
                }

                if (!empty)
                {
                    current.Append(' ');
                }

                current.Append(word);
                empty = false;
            }

            lines.Add(current.ToString().TrimEnd());
            pad = indent;
        }

        return lines;
    }
}
