using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SyncEngine.BuildTools;

/// <summary>
/// Reads PlatyPS markdown command help: the 1.x schema (2024-05-01: parameter blocks with <c>ParameterSets</c> lists)
/// and, for older files, the 0.14 schema (<c>Parameter Sets</c>, <c>Required</c>, <c>Accept pipeline input</c>…).
/// Markdig parses the markdown and YamlDotNet the YAML (<see cref="MarkdownBlocks"/>, <see cref="YamlData"/>); this
/// class knows only PlatyPS's layout of sections. Errors name the file, the line and what is missing.
/// </summary>
public static class MarkdownHelpReader
{
    /// <summary>The H2 sections PlatyPS requires in a command help file (ALIASES is optional).</summary>
    public static readonly IReadOnlyList<string> RequiredSections = new[]
    {
        "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
    };

    /// <summary>Reads a command help file.</summary>
    public static CommandHelp ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllText(path), path);
    }

    /// <summary>Reads command help from markdown text.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="source">The file's path, for messages.</param>
    public static CommandHelp Read(string text, string source)
    {
        var (metadata, blocks) = MarkdownBlocks.Read(text, source);
        var help = new CommandHelp { SourcePath = source };
        foreach (var kv in metadata)
        {
            help.Metadata[kv.Key] = kv.Value as string ?? string.Empty;
        }

        var title = blocks.FirstOrDefault(b => b.Kind == BlockKind.Heading && b.Level == 1);
        if (title is null)
        {
            throw new FormatException($"{source}: no '# <command name>' title.");
        }

        help.Name = title.Text.Trim();
        var sections = Sections(blocks);
        foreach (var required in RequiredSections)
        {
            if (!sections.ContainsKey(required))
            {
                throw new FormatException($"{source}: missing the '## {required}' section (PlatyPS requires it, even if empty).");
            }
        }

        help.Synopsis = string.Join(" ", sections["SYNOPSIS"].Blocks.Select(MarkdownBlocks.AsText)).Trim();
        if (help.Synopsis.Length == 0)
        {
            throw new FormatException($"{source}: the SYNOPSIS section is empty.");
        }

        foreach (var sub in sections["SYNTAX"].Subsections)
        {
            var name = sub.Title.Trim();
            var isDefault = name.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
            if (isDefault)
            {
                name = name.Substring(0, name.Length - "(Default)".Length).Trim();
            }

            var code = sub.Blocks.FirstOrDefault(b => b.Kind == BlockKind.Code);
            help.Syntax.Add(new SyntaxSection { ParameterSetName = name, IsDefault = isDefault, Text = code is null ? string.Empty : string.Join("\n", code.Lines) });
        }

        if (sections.TryGetValue("ALIASES", out var aliases))
        {
            help.Aliases.AddRange(Paragraphs(aliases.Blocks));
        }

        help.Description.AddRange(Paragraphs(sections["DESCRIPTION"].AllBlocks()));
        if (help.Description.Count == 0)
        {
            throw new FormatException($"{source}: the DESCRIPTION section is empty.");
        }

        foreach (var sub in sections["EXAMPLES"].Subsections)
        {
            help.Examples.Add(ReadExample(sub, source));
        }

        foreach (var sub in sections["PARAMETERS"].Subsections)
        {
            var heading = sub.Title.Trim();
            if (heading.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase))
            {
                help.HasCommonParameters = true;
                continue;
            }

            if (!heading.StartsWith('-'))
            {
                throw new FormatException($"{source}({sub.Line}): a parameter heading must be '### -Name' or '### CommonParameters' (got '### {heading}').");
            }

            ReadParameter(help, sub, heading.Substring(1).Trim(), source);
        }

        help.Inputs.AddRange(ReadTypes(sections["INPUTS"]));
        help.Outputs.AddRange(ReadTypes(sections["OUTPUTS"]));
        help.Notes.AddRange(Paragraphs(sections["NOTES"].AllBlocks()));
        foreach (var block in sections["RELATED LINKS"].AllBlocks())
        {
            var items = block.Kind == BlockKind.List ? block.Lines : new List<string> { block.Text };
            for (var n = 0; n < items.Count; n++)
            {
                if (n < block.Links.Count && block.Links[n] is { } link)
                {
                    help.RelatedLinks.Add(new RelatedLink { Text = link.Label, Uri = MarkdownBlocks.IsAbsoluteUri(link.Target) ? link.Target : string.Empty });
                }
                else if (items[n].Length > 0)
                {
                    help.RelatedLinks.Add(new RelatedLink { Text = items[n] });
                }
            }
        }

        return help;
    }

    private static HelpExample ReadExample(Section sub, string source)
    {
        var example = new HelpExample { Title = sub.Title.Trim() };
        var blocks = sub.AllBlocks();
        var code = blocks.FirstOrDefault(b => b.Kind == BlockKind.Code);
        if (code is null)
        {
            throw new FormatException($"{source}({sub.Line}): example '{example.Title}' has no code block.");
        }

        example.Code = string.Join("\n", code.Lines);
        foreach (var block in blocks)
        {
            if (!ReferenceEquals(block, code))
            {
                example.Remarks.Add(MarkdownBlocks.AsText(block));
            }
        }

        return example;
    }

    private static void ReadParameter(CommandHelp help, Section sub, string name, string source)
    {
        var blocks = sub.AllBlocks();
        var yamlBlocks = blocks.Where(b => b.Kind == BlockKind.Code && b.Language.Equals("yaml", StringComparison.OrdinalIgnoreCase)).ToList();
        if (yamlBlocks.Count == 0)
        {
            throw new FormatException($"{source}({sub.Line}): parameter -{name} has no ```yaml block with its Type and parameter sets.");
        }

        var description = blocks.Where(b => !yamlBlocks.Contains(b)).Select(MarkdownBlocks.AsText).ToList();

        // PlatyPS 0.14 writes one block per group of parameter sets that share attributes.
        foreach (var yaml in yamlBlocks)
        {
            ReadParameterMetadata(help, sub, name, yaml, description, source);
        }
    }

    private static void ReadParameterMetadata(CommandHelp help, Section sub, string name, MdBlock yaml, List<string> description, string source)
    {
        var where = $"{source}({yaml.LineNumber}) -{name}";
        var map = YamlData.ParseMapping(string.Join("\n", yaml.Lines), where);
        var existing = help.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        var isNewSchema = map.ContainsKey("ParameterSets");
        if (existing is not null && isNewSchema)
        {
            throw new FormatException($"{source}({sub.Line}): parameter -{name} is described twice.");
        }

        var parameter = existing ?? new ParameterHelp { Name = name };
        if (existing is null)
        {
            parameter.Description.AddRange(description);
        }

        parameter.Type = YamlData.Text(map, "Type");
        if (parameter.Type.Length == 0)
        {
            throw new FormatException($"{where}: the yaml block has no Type.");
        }

        if (isNewSchema)
        {
            parameter.DefaultValue = YamlData.Text(map, "DefaultValue");
            parameter.SupportsWildcards = YamlData.Bool(map, "SupportsWildcards", where);
            parameter.Aliases.AddRange(YamlData.List(map, "Aliases"));
            parameter.AcceptedValues.AddRange(YamlData.List(map, "AcceptedValues"));
            parameter.DontShow = YamlData.Bool(map, "DontShow", where);
            if (map["ParameterSets"] is not List<object?> sets || sets.Count == 0)
            {
                throw new FormatException($"{where}: ParameterSets must list at least one set (use '- Name: (All)').");
            }

            foreach (var entry in sets)
            {
                if (entry is not Dictionary<string, object?> set)
                {
                    throw new FormatException($"{where}: each ParameterSets entry must be a mapping with Name, Position, IsRequired….");
                }

                var setName = YamlData.Text(set, "Name");
                if (setName.Length == 0)
                {
                    throw new FormatException($"{where}: a ParameterSets entry has no Name.");
                }

                parameter.Sets.Add(new ParameterSetHelp
                {
                    Name = setName,
                    Position = PositionText(YamlData.Text(set, "Position"), where),
                    IsRequired = YamlData.Bool(set, "IsRequired", where),
                    ValueFromPipeline = YamlData.Bool(set, "ValueFromPipeline", where),
                    ValueFromPipelineByPropertyName = YamlData.Bool(set, "ValueFromPipelineByPropertyName", where),
                    ValueFromRemainingArguments = YamlData.Bool(set, "ValueFromRemainingArguments", where),
                });
            }
        }
        else
        {
            // PlatyPS 0.14: one block per group of sets that share the same attributes.
            parameter.DefaultValue = YamlData.Text(map, "Default value");
            parameter.SupportsWildcards = YamlData.Text(map, "Accept wildcard characters").StartsWith("True", StringComparison.OrdinalIgnoreCase);
            if (existing is null)
            {
                parameter.Aliases.AddRange(YamlData.List(map, "Aliases"));
                parameter.AcceptedValues.AddRange(YamlData.List(map, "Accepted values"));
            }

            var pipeline = YamlData.Text(map, "Accept pipeline input");
            var byValue = pipeline.StartsWith("True", StringComparison.OrdinalIgnoreCase) && pipeline.Contains("ByValue", StringComparison.OrdinalIgnoreCase);
            var byName = pipeline.StartsWith("True", StringComparison.OrdinalIgnoreCase) && pipeline.Contains("ByPropertyName", StringComparison.OrdinalIgnoreCase);
            var setNames = YamlData.List(map, "Parameter Sets");
            if (setNames.Count == 0)
            {
                setNames.Add("(All)");
            }

            foreach (var setName in setNames)
            {
                parameter.Sets.Add(new ParameterSetHelp
                {
                    Name = setName,
                    Position = PositionText(YamlData.Text(map, "Position"), where),
                    IsRequired = YamlData.Text(map, "Required").StartsWith("True", StringComparison.OrdinalIgnoreCase),
                    ValueFromPipeline = byValue,
                    ValueFromPipelineByPropertyName = byName,
                });
            }
        }

        if (existing is null)
        {
            help.Parameters.Add(parameter);
        }
    }

    private static string PositionText(string text, string where)
    {
        if (text.Length == 0 || text.Equals("Named", StringComparison.OrdinalIgnoreCase))
        {
            return "Named";
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        throw new FormatException($"{where}: Position must be 'Named' or a number (got '{text}').");
    }

    private static IEnumerable<TypeHelp> ReadTypes(Section section)
    {
        foreach (var sub in section.Subsections)
        {
            var type = new TypeHelp { TypeName = sub.Title };
            type.Description.AddRange(Paragraphs(sub.AllBlocks()));
            yield return type;
        }
    }

    private static IEnumerable<string> Paragraphs(IEnumerable<MdBlock> blocks) =>
        blocks.Select(MarkdownBlocks.AsText).Where(t => t.Trim().Length > 0);

    private static Dictionary<string, Section> Sections(List<MdBlock> blocks)
    {
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        Section? h2 = null;
        Section? h3 = null;
        foreach (var block in blocks)
        {
            if (block.Kind == BlockKind.Heading && block.Level == 1)
            {
                continue;
            }

            if (block.Kind == BlockKind.Heading && block.Level == 2)
            {
                h2 = new Section { Title = block.Text.Trim(), Line = block.LineNumber };
                h3 = null;
                sections[h2.Title.ToUpperInvariant()] = h2;
                continue;
            }

            if (block.Kind == BlockKind.Heading && block.Level == 3 && h2 is not null)
            {
                h3 = new Section { Title = block.Text, Line = block.LineNumber };
                h2.Subsections.Add(h3);
                continue;
            }

            (h3 ?? h2)?.Blocks.Add(block);
        }

        return sections;
    }

    private sealed class Section
    {
        public string Title { get; init; } = string.Empty;

        public int Line { get; init; }

        public List<MdBlock> Blocks { get; } = new();

        public List<Section> Subsections { get; } = new();

        // The section's own blocks, then its subsections' titles and blocks (for sections that are plain text).
        public List<MdBlock> AllBlocks()
        {
            var all = new List<MdBlock>(Blocks);
            foreach (var sub in Subsections)
            {
                all.Add(new MdBlock { Kind = BlockKind.Paragraph, Text = sub.Title, LineNumber = sub.Line });
                all.AddRange(sub.AllBlocks());
            }

            return all;
        }
    }
}
