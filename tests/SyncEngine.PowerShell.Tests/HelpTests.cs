using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// Help contract: every compiled cmdlet has PlatyPS markdown in docs/SyncEngine and an entry in the MAML the build
/// laid out (what Get-Help reads), with synopsis, description, an example per parameter set, inputs, outputs and
/// every parameter described, and the markdown's parameter metadata equal to the compiled cmdlet's.
/// </summary>
public sealed class HelpTests
{
    private static readonly XNamespace Maml = MamlWriter.Maml;
    private static readonly XNamespace Command = MamlWriter.Command;
    private static readonly XNamespace Dev = MamlWriter.Dev;
    private static readonly Lazy<XDocument> MamlDocument = new(() => XDocument.Load(BuiltModule.Instance.MamlPath));

    private static BuiltModule Module => BuiltModule.Instance;

    public static TheoryData<string> CmdletNames() => MetadataTests.CmdletNames();

    private static CompiledCmdlet Cmdlet(string name) =>
        Module.Cmdlets.FirstOrDefault(c => c.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{name} is not compiled into SyncEngine.PowerShell.dll.");

    private static CommandHelp Markdown(string name)
    {
        var path = Path.Combine(Module.DocsDir, name + ".md");
        Assert.True(File.Exists(path), $"{name} has no help markdown at {path}.");
        return MarkdownHelpReader.ReadFile(path);
    }

    private static XElement MamlCommand(string name)
    {
        var command = MamlDocument.Value.Root!.Elements(Command + "command")
            .FirstOrDefault(c => (string?)c.Element(Command + "details")?.Element(Command + "name") == name);
        return command ?? throw new Xunit.Sdk.XunitException($"the MAML help has no entry for {name}.");
    }

    private static bool Filled(string? text) =>
        !string.IsNullOrWhiteSpace(text) && !text.Contains("{{", StringComparison.Ordinal) && !text.Contains("Fill in", StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void TheMamlIsWellFormedAndDescribesExactlyTheCompiledCmdlets()
    {
        var root = MamlDocument.Value.Root!;
        Assert.Equal("helpItems", root.Name.LocalName);
        Assert.Equal("maml", (string?)root.Attribute("schema"));
        var names = root.Elements(Command + "command").Select(c => (string)c.Element(Command + "details")!.Element(Command + "name")!).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(Module.Cmdlets.Select(c => c.Name), names);
    }

    [Fact]
    public void EveryMarkdownFileIsACompiledCmdletOrTheAboutTopic()
    {
        var compiled = Module.Cmdlets.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Module.DocsDir, "*.md"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            Assert.True(compiled.Contains(name) || name.StartsWith("about_", StringComparison.Ordinal), $"{file} documents no compiled cmdlet.");
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void MarkdownIsPlatyPsCommandHelpForTheModule(string name)
    {
        var help = Markdown(name);
        Assert.Equal(name, help.Name);
        Assert.Equal("cmdlet", help.Metadata.GetValueOrDefault("document type"));
        Assert.Equal("SyncEngine", help.Metadata.GetValueOrDefault("Module Name"));
        Assert.Equal("SyncEngine.PowerShell.dll-Help.xml", help.Metadata.GetValueOrDefault("external help file"));
        Assert.Equal("en-US", help.Metadata.GetValueOrDefault("Locale"));
        Assert.True(help.HasCommonParameters, $"{name}.md needs the '### CommonParameters' note.");
        Assert.NotEmpty(help.RelatedLinks);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void MamlHasASynopsisAndADescription(string name)
    {
        var command = MamlCommand(name);
        var synopsis = command.Element(Command + "details")!.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value).ToList();
        Assert.True(synopsis.Count == 1 && Filled(synopsis[0]), $"{name}: the synopsis is missing or a placeholder.");
        Assert.True(synopsis[0].Length <= 160, $"{name}: the synopsis should be one short sentence.");
        var description = command.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value).ToList();
        Assert.NotEmpty(description);
        Assert.All(description, d => Assert.True(Filled(d), $"{name}: a description paragraph is empty or a placeholder."));
        Assert.Equal(name.Split('-')[0], (string?)command.Element(Command + "details")!.Element(Command + "verb"));
        Assert.Equal(name.Split('-')[1], (string?)command.Element(Command + "details")!.Element(Command + "noun"));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void MamlDescribesEveryCompiledParameterAndNoOther(string name)
    {
        var cmdlet = Cmdlet(name);
        var command = MamlCommand(name);
        var documented = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
        var expected = cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.ShouldProcessParameters).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(expected, documented.Select(p => (string)p.Element(Maml + "name")!).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var parameter in documented)
        {
            var paras = parameter.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value).ToList();
            Assert.True(paras.Count > 0 && paras.All(Filled), $"{name} -{parameter.Element(Maml + "name")!.Value} has no description.");
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void MarkdownParameterMetadataMatchesTheCompiledCmdlet(string name)
    {
        var cmdlet = Cmdlet(name);
        var help = Markdown(name);
        foreach (var compiled in cmdlet.Parameters)
        {
            var doc = help.Parameters.FirstOrDefault(p => p.Name == compiled.Name)
                ?? throw new Xunit.Sdk.XunitException($"{name}.md does not describe -{compiled.Name}.");
            var where = $"{name}.md -{compiled.Name}";
            Assert.True(compiled.TypeName == doc.Type, $"{where}: Type is '{doc.Type}', the cmdlet's is '{compiled.TypeName}'.");
            Assert.True(compiled.Aliases.OrderBy(a => a).SequenceEqual(doc.Aliases.OrderBy(a => a)),
                $"{where}: Aliases are [{string.Join(", ", doc.Aliases)}], the cmdlet's are [{string.Join(", ", compiled.Aliases)}].");
            Assert.True(compiled.Sets.Count == doc.Sets.Count,
                $"{where}: ParameterSets lists {doc.Sets.Count} set(s), the cmdlet declares {compiled.Sets.Count} ({string.Join(", ", compiled.Sets.Select(s => s.Name))}).");
            foreach (var set in compiled.Sets)
            {
                var docSet = doc.Sets.FirstOrDefault(s => set.Name == CompiledCmdlet.AllSets ? CommandHelp.IsAllSets(s.Name) : s.Name == set.Name)
                    ?? throw new Xunit.Sdk.XunitException($"{where}: ParameterSets has no '{(set.Name == CompiledCmdlet.AllSets ? "(All)" : set.Name)}' entry.");
                var position = set.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "Named";
                Assert.True(set.Mandatory == docSet.IsRequired, $"{where} ({set.Name}): IsRequired should be {set.Mandatory}.");
                Assert.True(position == docSet.Position, $"{where} ({set.Name}): Position should be {position}.");
                Assert.True(set.ValueFromPipeline == docSet.ValueFromPipeline, $"{where} ({set.Name}): ValueFromPipeline should be {set.ValueFromPipeline}.");
                Assert.True(set.ValueFromPipelineByPropertyName == docSet.ValueFromPipelineByPropertyName,
                    $"{where} ({set.Name}): ValueFromPipelineByPropertyName should be {set.ValueFromPipelineByPropertyName}.");
            }
        }

        foreach (var common in cmdlet.ShouldProcessParameters)
        {
            var doc = help.Parameters.FirstOrDefault(p => p.Name == common)
                ?? throw new Xunit.Sdk.XunitException($"{name} supports ShouldProcess; {name}.md must describe -{common}.");
            Assert.Equal("System.Management.Automation.SwitchParameter", doc.Type);
            Assert.Equal(new[] { common == "WhatIf" ? "wi" : "cf" }, doc.Aliases);
        }

        var extra = help.Parameters.Select(p => p.Name).Except(cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.ShouldProcessParameters)).ToList();
        Assert.True(extra.Count == 0, $"{name}.md describes parameters the cmdlet does not have: {string.Join(", ", extra)}.");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void SyntaxSectionsNameTheCompiledParameterSets(string name)
    {
        var cmdlet = Cmdlet(name);
        var help = Markdown(name);
        var expected = cmdlet.ParameterSets.Select(s => s == CompiledCmdlet.AllSets ? "__AllParameterSets" : s).OrderBy(s => s, StringComparer.Ordinal);
        Assert.Equal(expected, help.Syntax.Select(s => s.ParameterSetName).OrderBy(s => s, StringComparer.Ordinal));
        if (cmdlet.ParameterSets.Count > 1)
        {
            Assert.Equal(cmdlet.DefaultParameterSetName, help.Syntax.Single(s => s.IsDefault).ParameterSetName);
        }

        Assert.Equal(cmdlet.ParameterSets.Count, MamlCommand(name).Element(Command + "syntax")!.Elements(Command + "syntaxItem").Count());
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void EveryParameterSetHasAnExample(string name)
    {
        var cmdlet = Cmdlet(name);
        var examples = MamlCommand(name).Element(Command + "examples")!.Elements(Command + "example")
            .Select(e => (Title: (string?)e.Element(Maml + "title") ?? "", Code: (string?)e.Element(Dev + "code") ?? ""))
            .ToList();
        Assert.NotEmpty(examples);
        Assert.All(examples, e => Assert.Contains(name, e.Code, StringComparison.OrdinalIgnoreCase));
        foreach (var set in cmdlet.ParameterSets)
        {
            Assert.True(examples.Any(e => ExampleUsesSet(cmdlet, set, e.Code)),
                $"{name}: no example uses the {set} parameter set (name one of its own parameters, or pipe in what only it takes).");
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void InputsAndOutputsMatchTheCompiledCmdlet(string name)
    {
        var cmdlet = Cmdlet(name);
        var help = Markdown(name);
        Assert.Equal(cmdlet.OutputTypes.OrderBy(t => t, StringComparer.Ordinal), help.Outputs.Select(o => o.TypeName).OrderBy(t => t, StringComparer.Ordinal));
        Assert.All(help.Outputs, o => Assert.True(o.Description.Count > 0, $"{name}.md: output {o.TypeName} needs a description."));
        var piped = cmdlet.Parameters.Where(p => p.Sets.Any(s => s.ValueFromPipeline || s.ValueFromPipelineByPropertyName)).Select(p => p.ElementType).Distinct().ToList();
        if (piped.Count == 0)
        {
            Assert.Equal(new[] { "None" }, help.Inputs.Select(i => i.TypeName));
        }
        else
        {
            Assert.Equal(piped.OrderBy(t => t, StringComparer.Ordinal), help.Inputs.Select(i => i.TypeName).OrderBy(t => t, StringComparer.Ordinal));
        }

        var maml = MamlCommand(name);
        Assert.Equal(help.Outputs.Count, maml.Element(Command + "returnValues")!.Elements(Command + "returnValue").Count());
        Assert.Equal(help.Inputs.Count, maml.Element(Command + "inputTypes")!.Elements(Command + "inputType").Count());
    }

    [Fact]
    public void TheAboutTopicIsLaidOutAsHelpText()
    {
        Assert.True(File.Exists(Path.Combine(Module.DocsDir, "about_SyncEngine.md")));
        var path = Path.Combine(Module.LayoutDir, "en-US", "about_SyncEngine.help.txt");
        Assert.True(File.Exists(path), "en-US/about_SyncEngine.help.txt was not laid out.");
        var text = File.ReadAllText(path);
        Assert.StartsWith("TOPIC\n    about_SyncEngine\n", text.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("\nSHORT DESCRIPTION\n", text, StringComparison.Ordinal);
        Assert.Contains("\nLONG DESCRIPTION\n", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 100, $"about_SyncEngine: line too long for a console: '{line}'"));
    }

    [Fact]
    public void TheAboutTopicCoversTheCmdletsModesGuardsAndScheduledTasks()
    {
        var text = File.ReadAllText(Path.Combine(Module.LayoutDir, "en-US", "about_SyncEngine.help.txt"));
        var required = Module.Cmdlets.Select(c => c.Name)
            .Concat(new[] { "TwoWay", "SourceToDestination", "SourceBackup", "DestinationToSource", "DestinationBackup" })
            .Concat(new[] { "HashThenMtime", "SizeOnly", "HashOnly", "MtimeOnly", "SizeAndMtime" })
            .Concat(new[] { "NewestWins", "KeepBoth", "Manual", "Merge", ".syncignore", ".syncengine", "MaxDeletePercent" })
            .Concat(new[] { "Register-ScheduledTask", "-NonInteractive", "-Confirm:$false", "SYNCENGINE_STATE_HOME" });
        foreach (var word in required)
        {
            Assert.True(text.Contains(word, StringComparison.Ordinal), $"about_SyncEngine does not mention {word}.");
        }
    }

    [Fact]
    public void TheAboutTopicListsTheEngineErrorIds()
    {
        var text = File.ReadAllText(Path.Combine(Module.LayoutDir, "en-US", "about_SyncEngine.help.txt"));
        var ids = new[]
        {
            "SyncRootNotFound", "SyncRootNotFolder", "SyncRootsOverlap", "SyncRootInvalid", "SyncInvalidOption", "SyncPairLocked",
            "SyncMassDeleteGuard", "SyncRootEmptied", "SyncStateFromNewerVersion", "SyncStateForAnotherPair",
            "SyncStateFolderUnavailable", "SyncIgnoreRuleInvalid", "SyncUnsafePath", "SyncActionFromAnotherPair",
        };
        foreach (var id in ids)
        {
            Assert.True(text.Contains(id, StringComparison.Ordinal), $"about_SyncEngine does not list the error id {id}.");
        }
    }

    // An example uses a parameter set when it calls the cmdlet naming one of the set's own parameters (or an alias),
    // or pipes into the cmdlet the output of a module cmdlet whose output type only that set takes from the pipeline.
    // A cmdlet with one set needs only an example that calls it.
    private static bool ExampleUsesSet(CompiledCmdlet cmdlet, string set, string code)
    {
        if (cmdlet.ParameterSets.Count == 1)
        {
            return code.Contains(cmdlet.Name, StringComparison.OrdinalIgnoreCase);
        }

        var own = cmdlet.Parameters
            .Where(p => p.Sets.Any(s => s.Name == set) && !p.Sets.Any(s => s.Name == CompiledCmdlet.AllSets)
                        && p.Sets.Count < cmdlet.ParameterSets.Count)
            .ToList();
        var others = cmdlet.Parameters
            .Where(p => !p.Sets.Any(s => s.Name == set || s.Name == CompiledCmdlet.AllSets))
            .SelectMany(p => p.Aliases.Append(p.Name))
            .ToList();
        foreach (var statement in Statements(code))
        {
            var segments = statement.Split('|').Select(s => s.Trim()).ToList();
            for (var i = 0; i < segments.Count; i++)
            {
                // The call: from the cmdlet's name to the end of the segment (it may sit inside an expression,
                // an assignment or a scriptblock).
                var at = Regex.Match(segments[i], @"(?<![\w-])" + Regex.Escape(cmdlet.Name) + @"(?![\w-])", RegexOptions.IgnoreCase);
                if (!at.Success)
                {
                    continue;
                }

                var call = segments[i].Substring(at.Index);
                var startsSegment = at.Index == 0;
                if (own.Count == 0)
                {
                    // A set with no parameters of its own (a default "everything" set): the cmdlet called with no
                    // argument of another set and nothing piped in.
                    var rest = call.Substring(cmdlet.Name.Length);
                    var positional = Regex.IsMatch(rest, @"^\s+[^-\s]");
                    var namesOther = others.Any(n => Regex.IsMatch(rest, @"(?<![\w-])-" + Regex.Escape(n) + @"(?![\w-])", RegexOptions.IgnoreCase));
                    if (i == 0 && startsSegment && !positional && !namesOther)
                    {
                        return true;
                    }

                    continue;
                }

                if (own.SelectMany(p => p.Aliases.Append(p.Name)).Any(n => Regex.IsMatch(call, @"(?<![\w-])-" + Regex.Escape(n) + @"(?![\w-])", RegexOptions.IgnoreCase)))
                {
                    return true;
                }

                var pipedTypes = own.Where(p => p.Sets.Any(s => s.Name == set && s.ValueFromPipeline)).Select(p => p.ElementType).ToHashSet(StringComparer.Ordinal);
                for (var j = i - 1; startsSegment && j >= 0 && pipedTypes.Count > 0; j--)
                {
                    var producer = Module.Cmdlets.FirstOrDefault(c => segments[j].StartsWith(c.Name, StringComparison.OrdinalIgnoreCase));
                    if (producer is not null)
                    {
                        if (producer.OutputTypes.Any(pipedTypes.Contains))
                        {
                            return true;
                        }

                        break;
                    }
                }
            }
        }

        return false;
    }

    // The code's statements: lines joined where they continue (a trailing backtick or pipe, or a leading pipe).
    private static IEnumerable<string> Statements(string code)
    {
        var joined = Regex.Replace(code.Replace("\r\n", "\n", StringComparison.Ordinal), @"`\s*\n\s*", " ");
        joined = Regex.Replace(joined, @"\|\s*\n\s*", "| ");
        joined = Regex.Replace(joined, @"\n\s*\|", " |");
        return joined.Split('\n');
    }
}
