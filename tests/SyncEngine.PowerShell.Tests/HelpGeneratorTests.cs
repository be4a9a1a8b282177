using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// The build's own PlatyPS-markdown-to-MAML generator (tools/SyncEngine.BuildTools): what it reads from both
/// PlatyPS schemas, the MAML it writes for Get-Help, the about-topic text, and the errors it gives for bad markdown.
/// </summary>
public sealed class HelpGeneratorTests
{
    private static readonly XNamespace Maml = MamlWriter.Maml;
    private static readonly XNamespace Command = MamlWriter.Command;
    private static readonly XNamespace Dev = MamlWriter.Dev;

    private static string Yaml(string type, string sets, string aliases = "Aliases: []", string accepted = "AcceptedValues: []", string wildcards = "false") => $"""
        ```yaml
        Type: {type}
        DefaultValue: None
        SupportsWildcards: {wildcards}
        ParameterValue: []
        {aliases}
        ParameterSets:
        {sets}
        DontShow: false
        {accepted}
        HelpMessage: ''
        ```
        """;

    private static string Set(string name, string position, bool required, bool pipeline = false, bool byName = false) => $"""
        - Name: {name}
          Position: {position}
          IsRequired: {(required ? "true" : "false")}
          ValueFromPipeline: {(pipeline ? "true" : "false")}
          ValueFromPipelineByPropertyName: {(byName ? "true" : "false")}
          ValueFromRemainingArguments: false
        """;

    // A complete command help file in the PlatyPS 1.x (2024-05-01) schema.
    private static string SampleMarkdown(string? drop = null)
    {
        var sections = new List<(string Name, string Body)>
        {
            ("SYNOPSIS", "Does a **thing** & more."),
            ("SYNTAX", "### ByPath (Default)\n\n```\nInvoke-Thing [-Path] <string> [-Mode <Mode>] [-Force]\n```\n\n### ByObject\n\n```\nInvoke-Thing -InputObject <Thing[]> [-Force]\n```"),
            ("DESCRIPTION", "First paragraph\ncontinues here with `code`.\n\nSecond paragraph with a [link](https://example.com/x) and [a topic](about_Thing.md).\n\n- one\n- two"),
            ("EXAMPLES", "### Example 1: By path\n\nIntro text.\n\n```powershell\nInvoke-Thing -Path C:\\x\n```\n\n```Output\nDone\n```\n\nAfter text.\n\n### Example 2: Piped\n\n```powershell\nGet-Thing | Invoke-Thing\n```\n\nPipes things."),
            ("PARAMETERS",
                "### -Force\n\nGo ahead.\n\n" + Yaml("System.Management.Automation.SwitchParameter", Set("(All)", "Named", false)) +
                "\n\n### -InputObject\n\nThings < 5 & more.\n\n" + Yaml("Thing[]", Set("ByObject", "Named", true, pipeline: true)) +
                "\n\n### -Mode\n\nHow.\n\n" + Yaml("My.Mode", Set("ByPath", "Named", false), accepted: "AcceptedValues:\n- Fast\n- Slow") +
                "\n\n### -Path\n\nWhere.\n\n" + Yaml("System.String", Set("ByPath", "0", true, byName: true), aliases: "Aliases:\n- PSPath\n- LP", wildcards: "true") +
                "\n\n### -WhatIf\n\nShows what would happen.\n\n" + Yaml("System.Management.Automation.SwitchParameter", Set("(All)", "Named", false), aliases: "Aliases:\n- wi") +
                "\n\n### CommonParameters\n\nThis cmdlet supports the common parameters."),
            ("INPUTS", "### Thing\n\nThings to act on."),
            ("OUTPUTS", "### My.Result\n\nOne per thing."),
            ("NOTES", "A note."),
            ("RELATED LINKS", "- [Get-Thing](Get-Thing.md)\n- [Online docs](https://example.com/thing)"),
        };
        var body = string.Join("\n\n", sections.Where(s => s.Name != drop).Select(s => $"## {s.Name}\n\n{s.Body}"));
        return "---\ndocument type: cmdlet\nexternal help file: My.dll-Help.xml\nHelpUri: https://example.com/online\nLocale: en-US\nModule Name: My\nPlatyPS schema version: 2024-05-01\ntitle: Invoke-Thing\n---\n\n# Invoke-Thing\n\n" + body + "\n";
    }

    [Fact]
    public void ReadsTheCommandHelpSchemaOfPlatyPs1()
    {
        var help = MarkdownHelpReader.Read(SampleMarkdown(), "Invoke-Thing.md");

        Assert.Equal("Invoke-Thing", help.Name);
        Assert.Equal("My", help.Metadata["Module Name"]);
        Assert.Equal("Does a thing & more.", help.Synopsis);
        Assert.Equal(new[] { "ByPath", "ByObject" }, help.Syntax.Select(s => s.ParameterSetName));
        Assert.True(help.Syntax[0].IsDefault);
        Assert.False(help.Syntax[1].IsDefault);
        Assert.Equal(3, help.Description.Count);
        Assert.Equal("First paragraph continues here with code.", help.Description[0]);
        Assert.Equal("Second paragraph with a link (https://example.com/x) and a topic.", help.Description[1]);
        Assert.Equal("- one\n- two", help.Description[2]);
        Assert.True(help.HasCommonParameters);

        var path = help.Parameters.Single(p => p.Name == "Path");
        Assert.Equal("System.String", path.Type);
        Assert.True(path.SupportsWildcards);
        Assert.Equal(new[] { "PSPath", "LP" }, path.Aliases);
        var pathSet = Assert.Single(path.Sets);
        Assert.Equal(("ByPath", "0", true, false, true), (pathSet.Name, pathSet.Position, pathSet.IsRequired, pathSet.ValueFromPipeline, pathSet.ValueFromPipelineByPropertyName));
        Assert.Equal(new[] { "Fast", "Slow" }, help.Parameters.Single(p => p.Name == "Mode").AcceptedValues);
        Assert.True(help.Parameters.Single(p => p.Name == "InputObject").Sets[0].ValueFromPipeline);

        Assert.Equal(2, help.Examples.Count);
        Assert.Equal("Example 1: By path", help.Examples[0].Title);
        Assert.Equal("Invoke-Thing -Path C:\\x", help.Examples[0].Code);
        Assert.Equal(new[] { "Intro text.", "Done", "After text." }, help.Examples[0].Remarks);
        Assert.Equal("Thing", Assert.Single(help.Inputs).TypeName);
        Assert.Equal("My.Result", Assert.Single(help.Outputs).TypeName);
        Assert.Equal(new[] { ("Get-Thing", ""), ("Online docs", "https://example.com/thing") }, help.RelatedLinks.Select(l => (l.Text, l.Uri)));
    }

    [Fact]
    public void ReadsThePlatyPs014SchemaAndMergesBlocksOfOneParameter()
    {
        const string markdown = """
            ---
            external help file: My.dll-Help.xml
            schema: 2.0.0
            ---

            # Get-Thing

            ## SYNOPSIS
            Gets things.

            ## SYNTAX

            ### ByName (Default)
            ```
            Get-Thing [-Name] <String[]>
            ```

            ### ById
            ```
            Get-Thing -Id <Int32>
            ```

            ## DESCRIPTION
            Gets them.

            ## EXAMPLES

            ### Example 1
            ```
            Get-Thing a
            ```

            ## PARAMETERS

            ### -Name
            The names.

            ```yaml
            Type: String[]
            Parameter Sets: ByName
            Aliases: N, TheName

            Required: True
            Position: 0
            Default value: None
            Accept pipeline input: True (ByValue, ByPropertyName)
            Accept wildcard characters: True
            ```

            ### -Id
            The id.

            ```yaml
            Type: Int32
            Parameter Sets: ById
            Aliases:

            Required: True
            Position: Named
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ```yaml
            Type: Int32
            Parameter Sets: ByName
            Aliases:

            Required: False
            Position: Named
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ## INPUTS

            ### System.String[]

            ## OUTPUTS

            ### Thing

            ## NOTES

            ## RELATED LINKS
            """;

        var help = MarkdownHelpReader.Read(markdown.Replace("\r\n", "\n", StringComparison.Ordinal), "Get-Thing.md");

        var name = help.Parameters.Single(p => p.Name == "Name");
        Assert.Equal(new[] { "N", "TheName" }, name.Aliases);
        Assert.True(name.SupportsWildcards);
        var nameSet = Assert.Single(name.Sets);
        Assert.True(nameSet.IsRequired && nameSet.ValueFromPipeline && nameSet.ValueFromPipelineByPropertyName);
        Assert.Equal("0", nameSet.Position);

        var id = help.Parameters.Single(p => p.Name == "Id");
        Assert.Equal(new[] { ("ById", true), ("ByName", false) }, id.Sets.Select(s => (s.Name, s.IsRequired)));
        Assert.Equal(new[] { "The id." }, id.Description);
    }

    [Theory]
    [InlineData("SYNOPSIS")]
    [InlineData("DESCRIPTION")]
    [InlineData("EXAMPLES")]
    [InlineData("PARAMETERS")]
    [InlineData("OUTPUTS")]
    [InlineData("RELATED LINKS")]
    public void AMissingRequiredSectionIsAnErrorNamingFileAndSection(string section)
    {
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(SampleMarkdown(drop: section), "docs/Invoke-Thing.md"));
        Assert.Contains("docs/Invoke-Thing.md", ex.Message, StringComparison.Ordinal);
        Assert.Contains("## " + section, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AParameterWithoutMetadataIsAnErrorNamingIt()
    {
        var markdown = SampleMarkdown().Replace("### -Force\n\nGo ahead.\n\n```yaml", "### -Force\n\nGo ahead.\n\n```text", StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(markdown, "x.md"));
        Assert.Contains("-Force", ex.Message, StringComparison.Ordinal);
        Assert.Contains("yaml", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadParameterMetadataIsAnErrorNamingTheParameterAndLine()
    {
        var markdown = SampleMarkdown().Replace("  Position: 0\n", "  Position: first\n", StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(markdown, "x.md"));
        Assert.Contains("-Path", ex.Message, StringComparison.Ordinal);
        Assert.Contains("first", ex.Message, StringComparison.Ordinal);
        Assert.Matches(@"x\.md\(\d+\)", ex.Message);
    }

    [Fact]
    public void AnUnclosedCodeFenceIsAnErrorWithItsLine()
    {
        var markdown = SampleMarkdown() + "\n```powershell\nGet-Thing\n";
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(markdown, "x.md"));
        Assert.Contains("never closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnclosedFrontMatterIsAnError()
    {
        var markdown = SampleMarkdown().Replace("title: Invoke-Thing\n---\n", "title: Invoke-Thing\n\n", StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(markdown, "x.md"));
        Assert.Contains("front matter", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Locale: en-US\n", "Locale: [en-US\n", "x.md (front matter): the YAML is not well formed")]
    [InlineData("Locale: en-US\n", "Locale: en-US\n  Bad: indent\n", "x.md (front matter): YAML line 5")]
    [InlineData("Locale: en-US\n", "Locale: en-US\nlocale: fr-FR\n", "YAML key 'locale' appears twice")]
    public void BadFrontMatterYamlIsAnErrorNamingTheFile(string line, string replacement, string message)
    {
        var markdown = SampleMarkdown().Replace(line, replacement, StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(markdown, "x.md"));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheModuleDocsArePlatyPsCommandHelpForTheModule()
    {
        // The markdown the build turns into the module's help (Get-Help's view of it: tests/Pester/Help.Tests.ps1).
        var docs = Path.Combine(RepoRoot(), "docs", "SyncEngine");
        var files = Directory.GetFiles(docs, "*.md").Where(f => !Path.GetFileName(f).StartsWith("about_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var help = MarkdownHelpReader.ReadFile(file);
            var name = Path.GetFileNameWithoutExtension(file);
            Assert.Equal(name, help.Name);
            Assert.Equal("cmdlet", help.Metadata.GetValueOrDefault("document type"));
            Assert.Equal("SyncEngine", help.Metadata.GetValueOrDefault("Module Name"));
            Assert.Equal("SyncEngine.PowerShell.dll-Help.xml", help.Metadata.GetValueOrDefault("external help file"));
            Assert.Equal("en-US", help.Metadata.GetValueOrDefault("Locale"));
            Assert.True(help.HasCommonParameters, $"{name}.md needs the '### CommonParameters' note.");
            Assert.NotEmpty(help.RelatedLinks);
            Assert.True(help.Syntax.Count(s => s.IsDefault) <= 1, $"{name}.md marks more than one SYNTAX set '(Default)'.");
        }
    }

    [Fact]
    public void AnExampleWithoutCodeIsAnError()
    {
        var markdown = SampleMarkdown().Replace("```powershell\nGet-Thing | Invoke-Thing\n```", "Get-Thing piped.", StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => MarkdownHelpReader.Read(markdown, "x.md"));
        Assert.Contains("Example 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MamlHasTheCommandSectionsGetHelpReads()
    {
        var doc = XDocument.Parse(MamlWriter.Write(new[] { MarkdownHelpReader.Read(SampleMarkdown(), "x.md") }));

        Assert.Equal("helpItems", doc.Root!.Name.LocalName);
        var command = Assert.Single(doc.Root.Elements(Command + "command"));
        var details = command.Element(Command + "details")!;
        Assert.Equal("Invoke-Thing", (string?)details.Element(Command + "name"));
        Assert.Equal("Invoke", (string?)details.Element(Command + "verb"));
        Assert.Equal("Thing", (string?)details.Element(Command + "noun"));
        Assert.Equal("Does a thing & more.", details.Element(Maml + "description")!.Element(Maml + "para")!.Value);
        Assert.Equal(3, command.Element(Maml + "description")!.Elements(Maml + "para").Count());
        Assert.Equal("Things < 5 & more.", command.Element(Command + "parameters")!.Elements(Command + "parameter")
            .Single(p => (string?)p.Element(Maml + "name") == "InputObject").Element(Maml + "description")!.Value);
        Assert.Equal("Thing", command.Descendants(Command + "inputType").Single().Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("My.Result", command.Descendants(Command + "returnValue").Single().Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("A note.", command.Element(Maml + "alertSet")!.Element(Maml + "alert")!.Element(Maml + "para")!.Value);

        var examples = command.Element(Command + "examples")!.Elements(Command + "example").ToList();
        Assert.Equal(2, examples.Count);
        Assert.Contains("Example 1: By path", (string?)examples[0].Element(Maml + "title"), StringComparison.Ordinal);
        Assert.Equal("Invoke-Thing -Path C:\\x", (string?)examples[0].Element(Dev + "code"));
        Assert.Equal(3, examples[0].Element(Dev + "remarks")!.Elements(Maml + "para").Count());

        var links = command.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink")
            .Select(l => ((string?)l.Element(Maml + "linkText") ?? "", (string?)l.Element(Maml + "uri") ?? "")).ToList();
        Assert.Equal(new[] { ("Online Version:", "https://example.com/online"), ("Get-Thing", ""), ("Online docs", "https://example.com/thing") }, links);
    }

    [Fact]
    public void MamlSyntaxHasOneItemPerParameterSetInGetCommandOrder()
    {
        var doc = XDocument.Parse(MamlWriter.Write(new[] { MarkdownHelpReader.Read(SampleMarkdown(), "x.md") }));
        var items = doc.Descendants(Command + "syntaxItem").ToList();

        Assert.Equal(2, items.Count);
        string Names(XElement item) => string.Join(",", item.Elements(Command + "parameter").Select(p => (string?)p.Element(Maml + "name")));
        Assert.Equal("Path,Force,Mode,WhatIf", Names(items[0]));
        Assert.Equal("InputObject,Force,WhatIf", Names(items[1]));

        var path = items[0].Elements(Command + "parameter").First();
        Assert.Equal("true", (string?)path.Attribute("required"));
        Assert.Equal("0", (string?)path.Attribute("position"));
        Assert.Equal("True (ByPropertyName)", (string?)path.Attribute("pipelineInput"));
        Assert.Equal("true", (string?)path.Attribute("globbing"));
        Assert.Equal("PSPath, LP", (string?)path.Attribute("aliases"));
        Assert.Equal("String", (string?)path.Element(Command + "parameterValue"));

        var force = items[0].Elements(Command + "parameter").Single(p => (string?)p.Element(Maml + "name") == "Force");
        Assert.Null(force.Element(Command + "parameterValue"));
        var mode = items[0].Elements(Command + "parameter").Single(p => (string?)p.Element(Maml + "name") == "Mode");
        Assert.Equal(new[] { "Fast", "Slow" }, mode.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value));
        var input = items[1].Elements(Command + "parameter").First();
        Assert.Equal("True (ByValue)", (string?)input.Attribute("pipelineInput"));
        Assert.Equal("true", (string?)input.Attribute("variableLength"));
        Assert.Equal("Thing[]", (string?)input.Element(Command + "parameterValue"));
    }

    [Fact]
    public void MamlParametersCarryFullTypesAndDefaults()
    {
        var doc = XDocument.Parse(MamlWriter.Write(new[] { MarkdownHelpReader.Read(SampleMarkdown(), "x.md") }));
        var parameters = doc.Descendants(Command + "parameters").Single().Elements(Command + "parameter").ToList();

        Assert.Equal(5, parameters.Count);
        var whatIf = parameters.Single(p => (string?)p.Element(Maml + "name") == "WhatIf");
        Assert.Equal("System.Management.Automation.SwitchParameter", whatIf.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("wi", (string?)whatIf.Attribute("aliases"));
        Assert.Equal("None", parameters.First().Element(Dev + "defaultValue")!.Value);
    }

    [Theory]
    [InlineData("System.String", "String")]
    [InlineData("System.String[]", "String[]")]
    [InlineData("SyncEngine.SyncAction[]", "SyncAction[]")]
    [InlineData("ScriptBlock", "ScriptBlock")]
    [InlineData("System.Nullable`1[System.Int32]", "System.Nullable`1[System.Int32]")]
    public void SyntaxShowsShortTypeNames(string type, string expected) => Assert.Equal(expected, MamlWriter.ShortTypeName(type));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a **bold** word", "a bold word")]
    [InlineData("use `-WhatIf` first", "use -WhatIf first")]
    [InlineData("an *emphasised* word", "an emphasised word")]
    [InlineData("see [the site](https://example.com)", "see the site (https://example.com)")]
    [InlineData("see [about_Thing](about_Thing.md)", "see about_Thing")]
    [InlineData("keeps 2 * 3 and a_b_c", "keeps 2 * 3 and a_b_c")]
    [InlineData("an _underscored_ and __strong__ word", "an underscored and strong word")]
    [InlineData("escaped \\*stars\\* and AT&amp;T", "escaped *stars* and AT&T")]
    [InlineData("a [link with `code`](https://example.com/c)", "a link with code (https://example.com/c)")]
    public void InlineMarkupBecomesPlainText(string markdown, string expected) => Assert.Equal(expected, MarkdownBlocks.Inline(markdown));

    [Fact]
    public void AboutTopicsBecomeWrappedHelpText()
    {
        var longLine = string.Join(" ", Enumerable.Repeat("word", 40));
        var markdown = $"""
            ---
            document type: about
            ---

            # about_Thing

            ## Short description

            Explains things.

            ## Long description

            {longLine}

            ### A subtopic

            | Name | Meaning |
            | ---- | ------- |
            | a    | the first letter |

            ```powershell
            Get-Thing -Name 'a b'   # keep this line exactly
            ```

            - item one
            - item **two**

            ## See also

            - [Get-Thing](Get-Thing.md)
            """;

        var text = AboutTopicWriter.Convert(markdown.Replace("\r\n", "\n", StringComparison.Ordinal), "about_Thing.md");
        var lines = text.Split('\n');

        Assert.Equal("TOPIC", lines[0]);
        Assert.Equal("    about_Thing", lines[1]);
        Assert.Contains("SHORT DESCRIPTION", lines);
        Assert.Contains("LONG DESCRIPTION", lines);
        Assert.Contains("SEE ALSO", lines);
        Assert.Contains("  A subtopic", lines);
        Assert.Contains("    Explains things.", lines);
        Assert.All(lines.Where(l => l.Contains("word", StringComparison.Ordinal)), l => Assert.True(l.Length <= AboutTopicWriter.Width, l));
        Assert.Equal(40, lines.Sum(l => l.Split(' ').Count(w => w == "word")));
        Assert.Contains("      Get-Thing -Name 'a b'   # keep this line exactly", lines);
        Assert.Contains("    Name  Meaning", lines);
        Assert.Contains("    ----  ----------------", lines);
        Assert.Contains("    a     the first letter", lines);
        Assert.Contains("    - item two", lines);
        Assert.Contains("    - Get-Thing", lines);
    }

    [Fact]
    public void AnAboutTopicWithoutAShortDescriptionIsAnError()
    {
        var ex = Assert.Throws<FormatException>(() => AboutTopicWriter.Convert("# about_Thing\n\n## Long description\n\nText.\n", "about_Thing.md"));
        Assert.Contains("SHORT DESCRIPTION", ex.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => AboutTopicWriter.Convert("# Thing\n\n## Short description\n\nA.\n\n## Long description\n\nB.\n", "Thing.md"));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SyncEngine.PowerShell.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No SyncEngine.PowerShell.sln above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void TheHelpBuilderChecksFileNamesAndTheExternalHelpFile()
    {
        var dir = Directory.CreateTempSubdirectory("helpgen-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "Invoke-Thing.md"), SampleMarkdown());
            File.WriteAllText(Path.Combine(dir.FullName, "about_Thing.md"), "# about_Thing\n\n## Short description\n\nA.\n\n## Long description\n\nB.\n");
            var output = Path.Combine(dir.FullName, "en-US");

            var result = HelpBuilder.Build(dir.FullName, output, "My.dll-Help.xml");

            Assert.Equal("Invoke-Thing", Assert.Single(result.Commands).Name);
            Assert.True(File.Exists(Path.Combine(output, "My.dll-Help.xml")));
            Assert.True(File.Exists(Path.Combine(output, "about_Thing.help.txt")));

            var wrongFile = Assert.Throws<FormatException>(() => HelpBuilder.Build(dir.FullName, output, "Other.dll-Help.xml"));
            Assert.Contains("external help file", wrongFile.Message, StringComparison.Ordinal);

            File.Move(Path.Combine(dir.FullName, "Invoke-Thing.md"), Path.Combine(dir.FullName, "Invoke-Other.md"));
            var wrongName = Assert.Throws<FormatException>(() => HelpBuilder.Build(dir.FullName, output, "My.dll-Help.xml"));
            Assert.Contains("Invoke-Other", wrongName.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
