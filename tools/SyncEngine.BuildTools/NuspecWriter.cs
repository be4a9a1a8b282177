using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace SyncEngine.BuildTools;

/// <summary>
/// Writes the .nuspec for the module's PowerShell Gallery package from the laid-out manifest, the way
/// PowerShellGet v3 (PSResourceGet) packs a module: the module's files at the package root, metadata from the
/// manifest, and the Gallery's tags (PSModule, PSIncludes_Cmdlet, PSCmdlet_/PSCommand_ per command, PSEdition_*).
/// </summary>
public static class NuspecWriter
{
    private const string Ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";

    /// <summary>Writes the nuspec for the module laid out in <paramref name="layoutDir"/>.</summary>
    /// <param name="manifestPath">The stamped manifest (its file name is the module name).</param>
    /// <param name="layoutDir">The folder whose files go into the package.</param>
    /// <param name="outputPath">Where to write the nuspec.</param>
    public static void WriteFile(string manifestPath, string layoutDir, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(manifestPath);
        ArgumentNullException.ThrowIfNull(layoutDir);
        ArgumentNullException.ThrowIfNull(outputPath);
        var manifest = Psd1Reader.Parse(File.ReadAllText(manifestPath), manifestPath);
        var files = Directory.EnumerateFiles(layoutDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(layoutDir, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        var text = Write(Path.GetFileNameWithoutExtension(manifestPath), manifest, files);
        var dir = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(outputPath, text, new UTF8Encoding(false));
    }

    /// <summary>The package version: ModuleVersion, plus "-Prerelease" when PSData has one.</summary>
    public static string PackageVersion(IReadOnlyDictionary<string, object?> manifest)
    {
        var version = Psd1Reader.GetString(manifest, "ModuleVersion") ?? throw new FormatException("the manifest has no ModuleVersion.");
        var psData = PsData(manifest);
        var prerelease = psData is null ? null : Psd1Reader.GetString(psData, "Prerelease");
        return string.IsNullOrEmpty(prerelease) ? version : version + "-" + prerelease;
    }

    /// <summary>The Gallery tags for a manifest: PSData.Tags plus the tags PowerShellGet adds.</summary>
    public static List<string> Tags(IReadOnlyDictionary<string, object?> manifest)
    {
        var tags = new List<string> { "PSModule" };
        var psData = PsData(manifest);
        if (psData is not null)
        {
            tags.AddRange(Psd1Reader.GetStrings(psData, "Tags"));
        }

        foreach (var edition in Psd1Reader.GetStrings(manifest, "CompatiblePSEditions"))
        {
            tags.Add("PSEdition_" + edition);
        }

        var cmdlets = Psd1Reader.GetStrings(manifest, "CmdletsToExport");
        if (cmdlets.Count > 0)
        {
            tags.Add("PSIncludes_Cmdlet");
        }

        var functions = Psd1Reader.GetStrings(manifest, "FunctionsToExport");
        if (functions.Count > 0)
        {
            tags.Add("PSIncludes_Function");
        }

        foreach (var cmdlet in cmdlets)
        {
            tags.Add("PSCmdlet_" + cmdlet);
            tags.Add("PSCommand_" + cmdlet);
        }

        foreach (var function in functions)
        {
            tags.Add("PSFunction_" + function);
            tags.Add("PSCommand_" + function);
        }

        foreach (var tag in tags)
        {
            if (tag.Any(char.IsWhiteSpace))
            {
                throw new FormatException($"the tag '{tag}' contains a space; Gallery tags are separated by spaces.");
            }
        }

        return tags.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The nuspec text.</summary>
    public static string Write(string id, IReadOnlyDictionary<string, object?> manifest, IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(files);
        var psData = PsData(manifest);
        string Required(string key) =>
            Psd1Reader.GetString(manifest, key) is { Length: > 0 } v ? v : throw new FormatException($"the manifest has no {key}; the Gallery needs it.");
        string? FromPsData(string key) => psData is null ? null : Psd1Reader.GetString(psData, key);

        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", NewLineChars = "\n", Encoding = new UTF8Encoding(false) };
        var sb = new StringBuilder();
        using (var x = XmlWriter.Create(sb, settings))
        {
            x.WriteStartDocument();
            x.WriteStartElement("package", Ns);
            x.WriteStartElement("metadata", Ns);
            x.WriteElementString("id", Ns, id);
            x.WriteElementString("version", Ns, PackageVersion(manifest));
            x.WriteElementString("authors", Ns, Required("Author"));
            x.WriteElementString("owners", Ns, Psd1Reader.GetString(manifest, "CompanyName") ?? Required("Author"));
            x.WriteElementString("requireLicenseAcceptance", Ns, "false");
            if (FromPsData("LicenseUri") is { Length: > 0 } license)
            {
                x.WriteElementString("licenseUrl", Ns, license);
            }

            if (FromPsData("ProjectUri") is { Length: > 0 } project)
            {
                x.WriteElementString("projectUrl", Ns, project);
            }

            if (FromPsData("IconUri") is { Length: > 0 } icon)
            {
                x.WriteElementString("iconUrl", Ns, icon);
            }

            x.WriteElementString("description", Ns, Required("Description"));
            if (FromPsData("ReleaseNotes") is { Length: > 0 } notes)
            {
                x.WriteElementString("releaseNotes", Ns, notes);
            }

            if (Psd1Reader.GetString(manifest, "Copyright") is { Length: > 0 } copyright)
            {
                x.WriteElementString("copyright", Ns, copyright);
            }

            x.WriteElementString("tags", Ns, string.Join(" ", Tags(manifest)));
            x.WriteEndElement();
            x.WriteStartElement("files", Ns);
            foreach (var file in files)
            {
                x.WriteStartElement("file", Ns);
                x.WriteAttributeString("src", file);
                x.WriteAttributeString("target", file);
                x.WriteEndElement();
            }

            x.WriteEndElement();
            x.WriteEndElement();
            x.WriteEndDocument();
        }

        return sb.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal) + "\n";
    }

    private static Dictionary<string, object?>? PsData(IReadOnlyDictionary<string, object?> manifest)
    {
        var privateData = Psd1Reader.GetTable(manifest, "PrivateData");
        return privateData is null ? null : Psd1Reader.GetTable(privateData, "PSData");
    }
}
