using System;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// The version stamping of module/SyncEngine.psd1 (tools/SyncEngine.BuildTools), which the layout step does with
/// `dotnet` alone. That PowerShell accepts the stamped manifest is checked in PowerShell: Test-ModuleManifest in
/// build.ps1 and tests/Pester/Manifest.Tests.ps1; the package's nuspec in tests/Pester/Build.Tests.ps1.
/// </summary>
public sealed class ManifestStamperTests
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
    public void StampsTheVersionOnceAndKeepsEverythingElse()
    {
        var text = Sample.Replace("\r\n", "\n", StringComparison.Ordinal);
        var stamped = ManifestStamper.Stamp(text, "1.2.3", null, "Sample.psd1");

        Assert.Contains("    ModuleVersion = '1.2.3'", stamped, StringComparison.Ordinal);
        Assert.Equal(text.Replace("'0.0.0'", "'1.2.3'", StringComparison.Ordinal), stamped);
    }

    [Fact]
    public void StampsAPrereleaseLabelIntoPsData()
    {
        var text = Sample.Replace("\r\n", "\n", StringComparison.Ordinal);
        var stamped = ManifestStamper.Stamp(text, "1.2.3", "beta.2", "Sample.psd1");

        var expected = text.Replace("'0.0.0'", "'1.2.3'", StringComparison.Ordinal)
            .Replace("            # Prerelease = ''", "            Prerelease = 'beta2'", StringComparison.Ordinal);
        Assert.Equal(expected, stamped);
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
}
