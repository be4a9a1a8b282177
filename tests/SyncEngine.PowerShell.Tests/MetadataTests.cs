using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// Checks of the built layout out/SyncEngine/&lt;version&gt;/ that need no PowerShell: format and type files against the
/// module's types, and the DLL layout. Cmdlet naming, attributes, parameter sets, pipeline binding and the manifest
/// are checked in real PowerShell (tests/Pester/Cmdlets.Tests.ps1 and Manifest.Tests.ps1).
/// </summary>
public sealed class MetadataTests
{
    /// <summary>The seven cmdlets of the first PowerShell surface (DESIGN.md).</summary>
    public static readonly string[] ExpectedCmdlets =
    {
        "Get-SyncPlan", "Get-SyncStatus", "Invoke-Sync", "New-SyncPair", "Resume-Sync", "Stop-Sync", "Suspend-Sync",
    };

    private static BuiltModule Module => BuiltModule.Instance;

    public static TheoryData<string> CmdletNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in ExpectedCmdlets)
        {
            data.Add(name);
        }

        return data;
    }

    private static CompiledCmdlet Cmdlet(string name) =>
        Module.Cmdlets.FirstOrDefault(c => c.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{name} is not compiled into SyncEngine.PowerShell.dll (found: {string.Join(", ", Module.Cmdlets)}).");

    [Fact]
    public void EveryOutputTypeHasATableAndAListView()
    {
        var views = FormatViews();
        var outputTypes = Module.Cmdlets.SelectMany(c => c.OutputTypes).Distinct(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(outputTypes);
        foreach (var type in outputTypes)
        {
            Assert.True(views.Any(v => v.Type == type && v.Kind == "TableControl"), $"SyncEngine.format.ps1xml has no table view for {type}.");
            Assert.True(views.Any(v => v.Type == type && v.Kind == "ListControl"), $"SyncEngine.format.ps1xml has no list view for {type}.");
        }
    }

    [Fact]
    public void FormatViewsShowOnlyPropertiesTheTypesHave()
    {
        var doc = XDocument.Load(Path.Combine(Module.LayoutDir, "SyncEngine.format.ps1xml"));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var view in doc.Descendants("View"))
        {
            var name = (string?)view.Element("Name");
            Assert.True(name is not null && names.Add(name), $"view names must be unique ({name}).");
            var typeName = (string?)view.Element("ViewSelectedBy")?.Element("TypeName");
            Assert.NotNull(typeName);
            var type = Module.FindType(typeName!);
            Assert.True(type is not null, $"view {name} selects {typeName}, which the module does not define.");
            foreach (var property in view.Descendants("PropertyName").Select(p => p.Value.Trim()))
            {
                Assert.True(HasProperty(type!, property), $"view {name}: {typeName} has no property {property}.");
            }
        }
    }

    [Fact]
    public void TypeExtensionsTargetModuleTypesWithoutShadowingTheirProperties()
    {
        var doc = XDocument.Load(Path.Combine(Module.LayoutDir, "SyncEngine.types.ps1xml"));
        var types = doc.Root!.Elements("Type").ToList();
        Assert.NotEmpty(types);
        foreach (var typeElement in types)
        {
            var typeName = (string)typeElement.Element("Name")!;
            var type = Module.FindType(typeName);
            Assert.True(type is not null, $"types.ps1xml extends {typeName}, which the module does not define.");
            foreach (var member in typeElement.Element("Members")!.Elements())
            {
                var memberName = (string)member.Element("Name")!;
                // PowerShell refuses to load a types file that adds a member the type already has.
                Assert.False(HasProperty(type!, memberName), $"types.ps1xml adds {typeName}.{memberName}, which the type already has.");
                if (member.Name.LocalName == "AliasProperty")
                {
                    Assert.True(HasProperty(type!, (string)member.Element("ReferencedMemberName")!), $"{typeName}.{memberName} aliases a missing member.");
                }
            }
        }
    }

    [Fact]
    public void TheLayoutShipsNoPowerShellAssembly()
    {
        var forbidden = Directory.GetFiles(Module.LayoutDir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).StartsWith("System.Management.Automation", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.Empty(forbidden);
        var outRoot = Path.Combine(Module.RepoRoot, "out");
        Assert.Empty(Directory.GetFiles(outRoot, "System.Management.Automation*.dll", SearchOption.AllDirectories));
    }

    [Fact]
    public void EngineAssembliesSitBesideTheModuleAndThirdPartyOnesInDependencies()
    {
        var top = Directory.GetFiles(Module.LayoutDir, "*.dll").Select(Path.GetFileName).ToList();
        Assert.Contains("SyncEngine.PowerShell.dll", top);
        Assert.Contains("SyncEngine.Core.dll", top);
        Assert.All(top, f => Assert.StartsWith("SyncEngine.", f, StringComparison.Ordinal));
        Assert.True(Directory.Exists(Module.DependenciesDir), "the layout has no dependencies folder.");
        var dependencies = Directory.GetFiles(Module.DependenciesDir, "*.dll", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("System.Text.Json.dll", dependencies);
        Assert.Contains("System.Memory.dll", dependencies);
        Assert.DoesNotContain(dependencies, f => f!.StartsWith("SyncEngine.", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryAssemblyTheModuleReferencesIsLaidOutOrProvidedByTheHost()
    {
        var laidOut = Directory.GetFiles(Module.LayoutDir, "*.dll")
            .Concat(Directory.GetFiles(Module.DependenciesDir, "*.dll", SearchOption.AllDirectories))
            .ToList();
        var available = laidOut.Select(f => AssemblyName.GetAssemblyName(f)).ToDictionary(n => n.Name!, StringComparer.OrdinalIgnoreCase);
        var framework = new HashSet<string>(Directory.GetFiles(Module.NetStandardRefDir, "*.dll").Select(Path.GetFileNameWithoutExtension)!, StringComparer.OrdinalIgnoreCase);
        foreach (var file in laidOut)
        {
            var assembly = Module.Context.LoadFromAssemblyPath(file);
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (framework.Contains(reference.Name!) || reference.Name!.StartsWith("System.Management.Automation", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.True(available.TryGetValue(reference.Name!, out var shipped),
                    $"{Path.GetFileName(file)} references {reference.FullName}, which the layout does not ship.");
                Assert.True(shipped!.Version >= reference.Version,
                    $"{Path.GetFileName(file)} references {reference.FullName} but the layout ships version {shipped.Version}.");
            }
        }
    }

    [Fact]
    public void TheModuleTargetsNetStandard20()
    {
        var framework = Module.ModuleAssembly.GetCustomAttributesData()
            .FirstOrDefault(a => a.AttributeType.FullName == "System.Runtime.Versioning.TargetFrameworkAttribute");
        Assert.NotNull(framework);
        Assert.Equal(".NETStandard,Version=v2.0", framework!.ConstructorArguments[0].Value);
        Assert.Contains(Module.ModuleAssembly.GetReferencedAssemblies(), r => r.Name == "netstandard");
    }

    private static bool HasProperty(Type type, string name) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.Name == name)
        || type.GetFields(BindingFlags.Public | BindingFlags.Instance).Any(f => f.Name == name);

    private static List<(string Type, string Kind)> FormatViews()
    {
        var doc = XDocument.Load(Path.Combine(Module.LayoutDir, "SyncEngine.format.ps1xml"));
        return doc.Descendants("View")
            .SelectMany(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Select(t => (t.Value.Trim(),
                v.Elements().Select(e => e.Name.LocalName).First(n => n.EndsWith("Control", StringComparison.Ordinal)))))
            .ToList();
    }
}
