using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// The build's manifest tools (tools/SyncEngine.BuildTools): the psd1 reader the contract tests and the packager
/// use, the version stamping of module/SyncEngine.psd1, and the Gallery nuspec.
/// </summary>
public sealed class MetadataManifestToolsTests
{
    private const string Sample = """
        # A comment
        @{
            RootModule = 'My.dll'   # trailing comment
            ModuleVersion = '0.0.0'
            <# a block
               comment #>
            Description = "Double ""quoted"" with `ttab"
            Quote = 'It''s'
            CmdletsToExport = @(
                'Get-A'
                'Set-B', 'New-C'
            )
            Bare = 'x', 'y'
            Empty = @()
            Flag = $true; Off = $false; Nothing = $null
            Number = 4.7
            Notes = @'
        line one
        line 'two'
        '@
            PrivateData = @{
                PSData = @{
                    Tags = @('A', 'B')
                    # Prerelease = ''
                }
            }
        }
        """;

    [Fact]
    public void ReadsTheDataLanguageManifestsUse()
    {
        var data = Psd1Reader.Parse(Sample.Replace("\r\n", "\n", StringComparison.Ordinal), "Sample.psd1");

        Assert.Equal("My.dll", Psd1Reader.GetString(data, "rootmodule"));
        Assert.Equal("Double \"quoted\" with \ttab", Psd1Reader.GetString(data, "Description"));
        Assert.Equal("It's", Psd1Reader.GetString(data, "Quote"));
        Assert.Equal(new[] { "Get-A", "Set-B", "New-C" }, Psd1Reader.GetStrings(data, "CmdletsToExport"));
        Assert.Equal(new[] { "x", "y" }, Psd1Reader.GetStrings(data, "Bare"));
        Assert.Empty(Psd1Reader.GetStrings(data, "Empty"));
        Assert.Equal(true, data["Flag"]);
        Assert.Equal(false, data["Off"]);
        Assert.Null(data["Nothing"]);
        Assert.Equal("4.7", data["Number"]);
        Assert.Equal("line one\nline 'two'", Psd1Reader.GetString(data, "Notes"));
        var psData = Psd1Reader.GetTable(Psd1Reader.GetTable(data, "PrivateData")!, "PSData")!;
        Assert.Equal(new[] { "A", "B" }, Psd1Reader.GetStrings(psData, "Tags"));
        Assert.False(psData.ContainsKey("Prerelease"));
    }

    [Theory]
    [InlineData("@{ A = 'x'\n A = 'y' }", "duplicate key 'A'", 2)]
    [InlineData("@{ A = $env:PATH }", "variables are not allowed", 1)]
    [InlineData("@{ A = \"x $b\" }", "variables and subexpressions", 1)]
    [InlineData("@{ A = 'open }", "unterminated single-quoted string", 1)]
    [InlineData("@{ A = @('x' }", "missing ')'", 1)]
    [InlineData("@{ A = 'x' B = 'y' }", "expected a new line", 1)]
    [InlineData("'x'", "start with '@{'", 1)]
    public void RejectsWhatIsNotADataFileWithTheLine(string text, string message, int line)
    {
        var ex = Assert.Throws<FormatException>(() => Psd1Reader.Parse(text, "Bad.psd1"));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Bad.psd1({line},", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StampsTheVersionOnceAndKeepsEverythingElse()
    {
        var text = Sample.Replace("\r\n", "\n", StringComparison.Ordinal);
        var stamped = ManifestStamper.Stamp(text, "1.2.3", null, "Sample.psd1");

        Assert.Contains("    ModuleVersion = '1.2.3'", stamped, StringComparison.Ordinal);
        Assert.Equal(text.Replace("'0.0.0'", "'1.2.3'", StringComparison.Ordinal), stamped);
        Assert.Equal("1.2.3", Psd1Reader.GetString(Psd1Reader.Parse(stamped, "x"), "ModuleVersion"));
    }

    [Fact]
    public void StampsAPrereleaseLabelIntoPsData()
    {
        var stamped = ManifestStamper.Stamp(Sample.Replace("\r\n", "\n", StringComparison.Ordinal), "1.2.3", "beta.2", "Sample.psd1");
        var data = Psd1Reader.Parse(stamped, "x");

        var psData = Psd1Reader.GetTable(Psd1Reader.GetTable(data, "PrivateData")!, "PSData")!;
        Assert.Equal("beta2", Psd1Reader.GetString(psData, "Prerelease"));
        Assert.Equal("1.2.3-beta2", NuspecWriter.PackageVersion(data));
    }

    [Theory]
    [InlineData("1", null, "not a module version")]
    [InlineData("1.2.x", null, "not a module version")]
    [InlineData("1.2.3", "rc_1", "prerelease label")]
    public void RefusesVersionsPowerShellCannotUse(string version, string? prerelease, string message)
    {
        var ex = Assert.Throws<FormatException>(() => ManifestStamper.Stamp(Sample, version, prerelease, "Sample.psd1"));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesATemplateWithoutExactlyOneModuleVersion()
    {
        var ex = Assert.Throws<FormatException>(() => ManifestStamper.Stamp("@{ RootModule = 'x' }", "1.0.0", null, "T.psd1"));
        Assert.Contains("found 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNuspecCarriesGalleryMetadataTagsAndExactlyTheLaidOutFiles()
    {
        var manifest = Psd1Reader.Parse("""
            @{
                ModuleVersion = '2.0.1'
                Author = 'Me'
                CompanyName = 'Us'
                Copyright = '(c) Us'
                Description = 'Does things.'
                CompatiblePSEditions = @('Desktop', 'Core')
                CmdletsToExport = @('Get-A', 'Set-B')
                FunctionsToExport = @()
                PrivateData = @{ PSData = @{
                    Tags = @('Sync', 'PSEdition_Core')
                    ProjectUri = 'https://example.com/p'
                    LicenseUri = 'https://example.com/l'
                    ReleaseNotes = 'Notes'
                } }
            }
            """, "My.psd1");

        var xml = XDocument.Parse(NuspecWriter.Write("My", manifest, new[] { "My.psd1", "dependencies/X.dll", "en-US/My.dll-Help.xml" }));
        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        var metadata = xml.Root!.Element(ns + "metadata")!;

        string? Value(string name) => (string?)metadata.Element(ns + name);
        Assert.Equal("My", Value("id"));
        Assert.Equal("2.0.1", Value("version"));
        Assert.Equal("Me", Value("authors"));
        Assert.Equal("Us", Value("owners"));
        Assert.Equal("Does things.", Value("description"));
        Assert.Equal("https://example.com/p", Value("projectUrl"));
        Assert.Equal("https://example.com/l", Value("licenseUrl"));
        Assert.Equal("Notes", Value("releaseNotes"));
        Assert.Equal("(c) Us", Value("copyright"));
        Assert.Equal(
            "PSModule Sync PSEdition_Core PSEdition_Desktop PSIncludes_Cmdlet PSCmdlet_Get-A PSCommand_Get-A PSCmdlet_Set-B PSCommand_Set-B",
            Value("tags"));
        var files = xml.Root.Element(ns + "files")!.Elements(ns + "file").Select(f => ((string?)f.Attribute("src") ?? "", (string?)f.Attribute("target") ?? "")).ToList();
        Assert.Equal(new[] { ("My.psd1", "My.psd1"), ("dependencies/X.dll", "dependencies/X.dll"), ("en-US/My.dll-Help.xml", "en-US/My.dll-Help.xml") }, files);
    }

    [Fact]
    public void TheNuspecNeedsADescription()
    {
        var manifest = Psd1Reader.Parse("@{ ModuleVersion = '1.0.0'; Author = 'Me' }", "M.psd1");
        var ex = Assert.Throws<FormatException>(() => NuspecWriter.Write("M", manifest, Array.Empty<string>()));
        Assert.Contains("Description", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBuiltPackageSpecMatchesTheLaidOutModule()
    {
        var module = BuiltModule.Instance;
        var manifest = module.ReadManifest();
        var files = System.IO.Directory.GetFiles(module.LayoutDir, "*", System.IO.SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(module.LayoutDir, f).Replace('\\', '/'))
            .ToList();

        var tags = NuspecWriter.Tags(manifest);

        foreach (var cmdlet in module.Cmdlets)
        {
            Assert.Contains("PSCmdlet_" + cmdlet.Name, tags);
            Assert.Contains("PSCommand_" + cmdlet.Name, tags);
        }

        Assert.Contains("PSModule", tags);
        Assert.Contains("SyncEngine.psd1", files);
        Assert.Contains("en-US/SyncEngine.PowerShell.dll-Help.xml", files);
        Assert.Contains("LICENSE", files);
        Assert.Equal(module.Version, NuspecWriter.PackageVersion(manifest));
    }
}
