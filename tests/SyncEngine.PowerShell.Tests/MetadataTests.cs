using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// Contract checks of the built module, read as metadata from out/SyncEngine/&lt;version&gt;/: cmdlet naming and
/// attributes, parameter sets and pipeline binding, manifest, format and type files, and the DLL layout.
/// </summary>
public sealed class MetadataTests
{
    /// <summary>The seven cmdlets of the first PowerShell surface (DESIGN.md).</summary>
    public static readonly string[] ExpectedCmdlets =
    {
        "Get-SyncPlan", "Get-SyncStatus", "Invoke-Sync", "New-SyncPair", "Resume-Sync", "Stop-Sync", "Suspend-Sync",
    };

    /// <summary>
    /// Cmdlets that change something (files, or a running sync) and so must support -WhatIf/-Confirm. New-SyncPair
    /// only builds an object (nothing on disk, no lock, no state), and Get-* only read, so they must not.
    /// </summary>
    public static readonly string[] MutatingCmdlets = { "Invoke-Sync", "Suspend-Sync", "Resume-Sync", "Stop-Sync" };

    // Get-Verb on PowerShell 7 (approved verbs, all groups).
    private static readonly HashSet<string> ApprovedVerbs = new(StringComparer.Ordinal)
    {
        // Common
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New",
        "Open", "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set",
        "Show", "Skip", "Split", "Step", "Switch", "Undo", "Unlock", "Watch",
        // Communications
        "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        // Data
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit",
        "Expand", "Export", "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore",
        "Save", "Sync", "Unpublish", "Update",
        // Diagnostic
        "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace",
        // Lifecycle
        "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke",
        "Register", "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister",
        "Wait",
        // Other
        "Use",
        // Security
        "Block", "Grant", "Protect", "Revoke", "Unblock", "Unprotect",
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
    public void TheModuleCompilesExactlyTheSevenCmdlets()
    {
        Assert.Equal(ExpectedCmdlets.OrderBy(n => n, StringComparer.Ordinal), Module.Cmdlets.Select(c => c.Name));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void CmdletUsesAnApprovedVerbTheSyncNounPrefixAndTheClassNamingConvention(string name)
    {
        var cmdlet = Cmdlet(name);
        Assert.True(ApprovedVerbs.Contains(cmdlet.Verb), $"{name}: '{cmdlet.Verb}' is not an approved verb (Get-Verb).");
        Assert.StartsWith("Sync", cmdlet.Noun, StringComparison.Ordinal);
        Assert.Equal(cmdlet.Verb + cmdlet.Noun + "Command", cmdlet.Type.Name);
        Assert.Equal("SyncEngine.PowerShell.Commands", cmdlet.Type.Namespace);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void CmdletDeclaresItsOutputTypes(string name)
    {
        var cmdlet = Cmdlet(name);
        Assert.NotEmpty(cmdlet.OutputTypes);
        foreach (var output in cmdlet.OutputTypes)
        {
            Assert.True(Module.FindType(output) is not null || output.StartsWith("System.", StringComparison.Ordinal),
                $"{name}: [OutputType] '{output}' is not a type of the module or the engine.");
        }
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void MutatingCmdletsSupportShouldProcessAndTheOthersDoNot(string name)
    {
        var cmdlet = Cmdlet(name);
        var mutating = MutatingCmdlets.Contains(name);
        Assert.True(mutating == cmdlet.SupportsShouldProcess,
            mutating ? $"{name} changes something and must declare SupportsShouldProcess = true."
                     : $"{name} changes nothing and must not offer -WhatIf/-Confirm.");
    }

    [Theory]
    [InlineData("Invoke-Sync", 2)]
    [InlineData("Stop-Sync", 2)]
    [InlineData("Suspend-Sync", 1)]
    [InlineData("Resume-Sync", 1)]
    public void ConfirmImpactIsNeverHighSoUnattendedRunsDoNotPrompt(string name, int lowestAllowed)
    {
        // ConfirmImpact: None 0, Low 1, Medium 2, High 3. High prompts under the default $ConfirmPreference and
        // breaks -NonInteractive scheduled tasks. Copying/deleting and stopping a run are Medium; pausing and
        // resuming (reversible, nothing is lost) may be Low.
        var impact = Cmdlet(name).ConfirmImpact;
        Assert.True(impact >= lowestAllowed && impact <= 2, $"{name}: ConfirmImpact is {impact}; it must be between {lowestAllowed} and 2 (Medium).");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void ParameterSetsAreConsistent(string name)
    {
        var cmdlet = Cmdlet(name);
        if (cmdlet.ParameterSets.Count > 1)
        {
            Assert.False(string.IsNullOrEmpty(cmdlet.DefaultParameterSetName), $"{name} has several parameter sets and needs a DefaultParameterSetName.");
        }

        if (cmdlet.DefaultParameterSetName is not null && cmdlet.ParameterSets[0] != CompiledCmdlet.AllSets)
        {
            Assert.Contains(cmdlet.DefaultParameterSetName, cmdlet.ParameterSets);
        }

        foreach (var set in cmdlet.ParameterSets)
        {
            var members = cmdlet.InSet(set).ToList();
            var positions = members.Where(m => m.InSet.Position is not null).Select(m => m.InSet.Position!.Value).ToList();
            Assert.True(positions.Count == positions.Distinct().Count(), $"{name} set {set}: two parameters share a position.");
            var byValue = members.Where(m => m.InSet.ValueFromPipeline).Select(m => m.Parameter.ElementType).ToList();
            Assert.True(byValue.Count == byValue.Distinct().Count(), $"{name} set {set}: two parameters take the same type from the pipeline.");
        }

        foreach (var parameter in cmdlet.Parameters)
        {
            Assert.True(char.IsUpper(parameter.Name[0]), $"{name} -{parameter.Name}: parameter names are PascalCase.");
            Assert.DoesNotContain(parameter.Name, new[] { "WhatIf", "Confirm", "Verbose", "Debug", "ErrorAction" });
        }
    }

    [Fact]
    public void InvokeSyncTakesAPairOrPipedActionsInSeparateSets()
    {
        var cmdlet = Cmdlet("Invoke-Sync");
        AssertPipelineParameter(cmdlet, "Pair", "Pair", "SyncEngine.SyncPair");
        AssertPipelineParameter(cmdlet, "Action", "InputObject", "SyncEngine.SyncAction");
        Assert.Equal("Pair", cmdlet.DefaultParameterSetName);
        var inputObject = cmdlet.Parameters.Single(p => p.Name == "InputObject");
        Assert.DoesNotContain(inputObject.Sets, s => s.Name == "Pair" || s.Name == CompiledCmdlet.AllSets);
        var pair = cmdlet.Parameters.Single(p => p.Name == "Pair");
        Assert.DoesNotContain(pair.Sets, s => s.Name == "Action" || s.Name == CompiledCmdlet.AllSets);
    }

    [Fact]
    public void GetSyncPlanTakesAPairFromThePipeline()
    {
        var cmdlet = Cmdlet("Get-SyncPlan");
        AssertPipelineParameter(cmdlet, "Pair", "Pair", "SyncEngine.SyncPair");
        Assert.Equal("Pair", cmdlet.DefaultParameterSetName);
        Assert.Equal(new[] { "SyncEngine.SyncAction" }, cmdlet.OutputTypes);
    }

    [Fact]
    public void NewSyncPairReturnsAPairAndTakesNothingFromThePipeline()
    {
        var cmdlet = Cmdlet("New-SyncPair");
        Assert.Equal(new[] { "SyncEngine.SyncPair" }, cmdlet.OutputTypes);
        Assert.DoesNotContain(cmdlet.Parameters.SelectMany(p => p.Sets), s => s.ValueFromPipeline);
        var source = cmdlet.Parameters.Single(p => p.Name == "Source");
        var destination = cmdlet.Parameters.Single(p => p.Name == "Destination");
        Assert.All(source.Sets, s => Assert.True(s.Mandatory && s.Position == 0));
        Assert.All(destination.Sets, s => Assert.True(s.Mandatory && s.Position == 1));
    }

    private static void AssertPipelineParameter(CompiledCmdlet cmdlet, string set, string parameterName, string elementType)
    {
        Assert.Contains(set, cmdlet.ParameterSets);
        var parameter = cmdlet.Parameters.SingleOrDefault(p => p.Name == parameterName)
            ?? throw new Xunit.Sdk.XunitException($"{cmdlet.Name} has no -{parameterName}.");
        var inSet = parameter.Sets.SingleOrDefault(s => s.Name == set)
            ?? throw new Xunit.Sdk.XunitException($"{cmdlet.Name} -{parameterName} is not in the {set} set.");
        Assert.True(inSet.ValueFromPipeline, $"{cmdlet.Name} -{parameterName} must take pipeline input (ByValue) in the {set} set.");
        Assert.True(inSet.Mandatory, $"{cmdlet.Name} -{parameterName} must be mandatory in the {set} set.");
        Assert.Equal(elementType, parameter.ElementType);
    }

    [Fact]
    public void ManifestExportsExactlyTheCompiledCmdletsAndNothingElse()
    {
        var manifest = Module.ReadManifest();
        var exported = Psd1Reader.GetStrings(manifest, "CmdletsToExport");
        Assert.DoesNotContain(exported, e => e.Contains('*', StringComparison.Ordinal));
        Assert.Equal(Module.Cmdlets.Select(c => c.Name).OrderBy(n => n, StringComparer.Ordinal), exported.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var key in new[] { "FunctionsToExport", "AliasesToExport", "VariablesToExport" })
        {
            Assert.True(manifest.TryGetValue(key, out var value) && value is List<object?> { Count: 0 }, $"{key} must be an explicit empty array @().");
        }
    }

    [Fact]
    public void ManifestHasTheRootModuleStampedVersionEditionsAndGalleryMetadata()
    {
        var manifest = Module.ReadManifest();
        Assert.Equal("SyncEngine.PowerShell.dll", Psd1Reader.GetString(manifest, "RootModule"));
        Assert.True(File.Exists(Path.Combine(Module.LayoutDir, Psd1Reader.GetString(manifest, "RootModule")!)));
        Assert.Equal(Module.Version, Psd1Reader.GetString(manifest, "ModuleVersion"));
        Assert.Equal(Module.Version, Module.ModuleAssembly.GetName().Version!.ToString(3));
        Assert.True(Guid.TryParse(Psd1Reader.GetString(manifest, "GUID"), out var guid) && guid != Guid.Empty);
        Assert.Equal(new[] { "Desktop", "Core" }, Psd1Reader.GetStrings(manifest, "CompatiblePSEditions"));
        Assert.Equal("5.1", Psd1Reader.GetString(manifest, "PowerShellVersion"));
        Assert.Equal("4.7.2", Psd1Reader.GetString(manifest, "DotNetFrameworkVersion"));
        foreach (var key in new[] { "Author", "CompanyName", "Copyright", "Description" })
        {
            Assert.False(string.IsNullOrWhiteSpace(Psd1Reader.GetString(manifest, key)), $"the manifest needs {key}.");
        }

        var psData = Psd1Reader.GetTable(Psd1Reader.GetTable(manifest, "PrivateData")!, "PSData")!;
        var tags = Psd1Reader.GetStrings(psData, "Tags");
        foreach (var tag in new[] { "PSEdition_Desktop", "PSEdition_Core", "Windows", "Linux", "MacOS", "Sync", "Backup", "Mirror" })
        {
            Assert.Contains(tag, tags);
        }

        Assert.All(tags, t => Assert.DoesNotContain(' ', t));
        foreach (var key in new[] { "ProjectUri", "LicenseUri", "ReleaseNotes" })
        {
            Assert.False(string.IsNullOrWhiteSpace(Psd1Reader.GetString(psData, key)), $"PSData needs {key}.");
        }

        Assert.True(Uri.TryCreate(Psd1Reader.GetString(psData, "ProjectUri"), UriKind.Absolute, out _));
        Assert.True(Uri.TryCreate(Psd1Reader.GetString(psData, "LicenseUri"), UriKind.Absolute, out _));
        Assert.Equal(new[] { "SyncEngine.format.ps1xml" }, Psd1Reader.GetStrings(manifest, "FormatsToProcess"));
        Assert.Equal(new[] { "SyncEngine.types.ps1xml" }, Psd1Reader.GetStrings(manifest, "TypesToProcess"));
        foreach (var file in Psd1Reader.GetStrings(manifest, "FormatsToProcess").Concat(Psd1Reader.GetStrings(manifest, "TypesToProcess")))
        {
            Assert.True(File.Exists(Path.Combine(Module.LayoutDir, file)), $"{file} is listed in the manifest but not laid out.");
        }
    }

    [Fact]
    public void TheManifestTemplateKeepsAPlaceholderVersion()
    {
        // One version number: the template never carries a real one that could drift from Directory.Build.props.
        var template = Psd1Reader.Parse(File.ReadAllText(Path.Combine(Module.RepoRoot, "module", "SyncEngine.psd1")), "module/SyncEngine.psd1");
        Assert.Equal("0.0.0", Psd1Reader.GetString(template, "ModuleVersion"));
    }

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
