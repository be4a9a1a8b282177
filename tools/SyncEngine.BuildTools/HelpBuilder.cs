using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SyncEngine.BuildTools;

/// <summary>Builds a module's help folder (en-US) from its markdown folder.</summary>
public static class HelpBuilder
{
    /// <summary>What was written.</summary>
    public sealed record Result(string MamlPath, IReadOnlyList<CommandHelp> Commands, IReadOnlyList<string> AboutPaths);

    /// <summary>
    /// Reads every command help file in <paramref name="docsDir"/> (any *.md not named about_*) and writes
    /// <c>&lt;helpFileName&gt;</c> (MAML) to <paramref name="outDir"/>; converts every about_*.md to about_*.help.txt.
    /// </summary>
    public static Result Build(string docsDir, string outDir, string helpFileName)
    {
        ArgumentNullException.ThrowIfNull(docsDir);
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(helpFileName);
        if (!Directory.Exists(docsDir))
        {
            throw new DirectoryNotFoundException($"The help markdown folder '{docsDir}' does not exist.");
        }

        var commands = new List<CommandHelp>();
        var abouts = new List<string>();
        foreach (var file in Directory.EnumerateFiles(docsDir, "*.md").OrderBy(f => f, StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                var topic = AboutTopicWriter.TopicName(File.ReadAllText(file), file);
                if (!topic.Equals(name, StringComparison.Ordinal))
                {
                    throw new FormatException($"{file}: the title '# {topic}' must match the file name '{name}'.");
                }

                var target = Path.Combine(outDir, name + ".help.txt");
                AboutTopicWriter.ConvertFile(file, target);
                abouts.Add(target);
                continue;
            }

            var help = MarkdownHelpReader.ReadFile(file);
            if (!help.Name.Equals(name, StringComparison.Ordinal))
            {
                throw new FormatException($"{file}: the title '# {help.Name}' must match the file name '{name}'.");
            }

            if (help.Metadata.TryGetValue("external help file", out var external) && external.Length > 0
                && !external.Equals(helpFileName, StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"{file}: 'external help file: {external}' should be '{helpFileName}'.");
            }

            commands.Add(help);
        }

        if (commands.Count == 0)
        {
            throw new FormatException($"'{docsDir}' has no command help markdown files.");
        }

        var maml = Path.Combine(outDir, helpFileName);
        MamlWriter.WriteFile(commands, maml);
        return new Result(maml, commands, abouts);
    }
}
