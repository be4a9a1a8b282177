using System;
using System.Text.RegularExpressions;

namespace SyncEngine.BuildTools;

/// <summary>Stamps the module manifest template with the one version number from Directory.Build.props.</summary>
public static partial class ManifestStamper
{
    [GeneratedRegex(@"^(\s*ModuleVersion\s*=\s*)'[^']*'", RegexOptions.Multiline)]
    private static partial Regex ModuleVersionLine();

    [GeneratedRegex(@"^(\s*)#\s*Prerelease\s*=\s*''", RegexOptions.Multiline)]
    private static partial Regex PrereleasePlaceholder();

    [GeneratedRegex(@"^[0-9A-Za-z]+$")]
    private static partial Regex PrereleaseLabel();

    /// <summary>
    /// Returns <paramref name="template"/> with ModuleVersion set to <paramref name="version"/> and, when
    /// <paramref name="prerelease"/> is given, the commented <c># Prerelease = ''</c> line replaced by the label.
    /// </summary>
    public static string Stamp(string template, string version, string? prerelease, string source)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!Version.TryParse(version, out _))
        {
            throw new FormatException($"'{version}' is not a module version (expected 2 to 4 numbers, such as 1.2.3); check VersionPrefix in Directory.Build.props.");
        }

        var count = ModuleVersionLine().Count(template);
        if (count != 1)
        {
            throw new FormatException($"{source}: expected exactly one \"ModuleVersion = '…'\" line, found {count}.");
        }

        var text = ModuleVersionLine().Replace(template, m => m.Groups[1].Value + "'" + version + "'");
        if (!string.IsNullOrEmpty(prerelease))
        {
            // PowerShellGet allows only ASCII letters and digits in the label (no dots or dashes).
            var label = prerelease.Replace("-", string.Empty, StringComparison.Ordinal).Replace(".", string.Empty, StringComparison.Ordinal);
            if (!PrereleaseLabel().IsMatch(label))
            {
                throw new FormatException($"'{prerelease}' cannot be a module prerelease label (letters and digits only); check VersionSuffix.");
            }

            if (PrereleasePlaceholder().Count(text) != 1)
            {
                throw new FormatException($"{source}: a prerelease build needs exactly one \"# Prerelease = ''\" line in PSData to fill in.");
            }

            text = PrereleasePlaceholder().Replace(text, m => m.Groups[1].Value + "Prerelease = '" + label + "'");
        }

        return text;
    }
}
