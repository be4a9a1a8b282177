using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using SyncEngine.BuildTools;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// The module as built and laid out in out/SyncEngine/&lt;version&gt;/ (the test project's reference to
/// tools/SyncEngine.Packaging makes the layout before these tests compile), read as metadata through
/// <see cref="MetadataLoadContext"/>: PowerShell is never loaded. Resolution uses the layout's own assemblies, the
/// PowerShellStandard.Library reference assembly and the netstandard reference facades from the NuGet cache.
/// </summary>
public sealed class BuiltModule
{
    private static readonly Lazy<BuiltModule> Shared = new(() => new BuiltModule());

    private BuiltModule()
    {
        RepoRoot = FindRepoRoot();
        Version = ReadProperty(Path.Combine(RepoRoot, "Directory.Build.props"), "VersionPrefix");
        LayoutDir = Path.Combine(RepoRoot, "out", "SyncEngine", Version);
        if (!File.Exists(Path.Combine(LayoutDir, "SyncEngine.PowerShell.dll")))
        {
            throw new InvalidOperationException(
                $"The module layout {LayoutDir} is missing. Build it with 'dotnet build tools/SyncEngine.Packaging' " +
                "(building this test project does that through its project reference).");
        }

        var packages = NuGetPackageRoot();
        var smaVersion = PinnedVersion("PowerShellStandard.Library");
        SmaReferencePath = Path.Combine(packages, "powershellstandard.library", smaVersion, "lib", "netstandard2.0", "System.Management.Automation.dll");
        if (!File.Exists(SmaReferencePath))
        {
            throw new InvalidOperationException($"The PowerShellStandard.Library reference assembly is not at {SmaReferencePath}; restore the solution first.");
        }

        NetStandardRefDir = FindNetStandardRefDir(packages);
        var paths = new List<string>();
        paths.AddRange(Directory.GetFiles(LayoutDir, "*.dll"));
        if (Directory.Exists(DependenciesDir))
        {
            paths.AddRange(Directory.GetFiles(DependenciesDir, "*.dll", SearchOption.AllDirectories));
        }

        paths.Add(SmaReferencePath);
        paths.AddRange(Directory.GetFiles(NetStandardRefDir, "*.dll"));
        Context = new MetadataLoadContext(new PathAssemblyResolver(paths), "netstandard");
        ModuleAssembly = Context.LoadFromAssemblyPath(Path.Combine(LayoutDir, "SyncEngine.PowerShell.dll"));
        Cmdlets = ModuleAssembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && Attribute(t, CmdletAttributeName) is not null)
            .Select(t => new CompiledCmdlet(t))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The full name of PowerShell's CmdletAttribute.</summary>
    public const string CmdletAttributeName = "System.Management.Automation.CmdletAttribute";

    /// <summary>The module laid out by the build and read as metadata.</summary>
    public static BuiltModule Instance => Shared.Value;

    /// <summary>The repository root (the folder with SyncEngine.PowerShell.sln).</summary>
    public string RepoRoot { get; }

    /// <summary>VersionPrefix from Directory.Build.props.</summary>
    public string Version { get; }

    /// <summary>out/SyncEngine/&lt;version&gt;/.</summary>
    public string LayoutDir { get; }

    /// <summary>The third-party assemblies' folder of the layout.</summary>
    public string DependenciesDir => Path.Combine(LayoutDir, "dependencies");

    /// <summary>The laid-out manifest.</summary>
    public string ManifestPath => Path.Combine(LayoutDir, "SyncEngine.psd1");

    /// <summary>The laid-out MAML help.</summary>
    public string MamlPath => Path.Combine(LayoutDir, "en-US", "SyncEngine.PowerShell.dll-Help.xml");

    /// <summary>docs/SyncEngine.</summary>
    public string DocsDir => Path.Combine(RepoRoot, "docs", "SyncEngine");

    /// <summary>The PowerShellStandard.Library reference assembly used to resolve PowerShell types.</summary>
    public string SmaReferencePath { get; }

    /// <summary>The netstandard reference facades used to resolve framework types.</summary>
    public string NetStandardRefDir { get; }

    /// <summary>The metadata context (never executes code).</summary>
    public MetadataLoadContext Context { get; }

    /// <summary>SyncEngine.PowerShell.dll as metadata.</summary>
    public Assembly ModuleAssembly { get; }

    /// <summary>Every compiled cmdlet class.</summary>
    public IReadOnlyList<CompiledCmdlet> Cmdlets { get; }

    /// <summary>The laid-out manifest, parsed.</summary>
    public Dictionary<string, object?> ReadManifest() => Psd1Reader.Parse(File.ReadAllText(ManifestPath), ManifestPath);

    /// <summary>A type by full name from the module, SyncEngine.Core or PowerShell, or null.</summary>
    public Type? FindType(string fullName)
    {
        foreach (var assembly in new[] { ModuleAssembly }.Concat(Directory.GetFiles(LayoutDir, "SyncEngine.*.dll").Select(Context.LoadFromAssemblyPath)))
        {
            var type = assembly.GetType(fullName, throwOnError: false);
            if (type is not null)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>The first attribute on <paramref name="member"/> whose type has the given full name.</summary>
    public static CustomAttributeData? Attribute(MemberInfo member, string fullName) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == fullName);

    /// <summary>Every attribute on <paramref name="member"/> whose type has the given full name.</summary>
    public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string fullName) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.FullName == fullName);

    /// <summary>A named argument of an attribute, or null when not given.</summary>
    public static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(n => n.MemberName == name).Select(n => (object?)n.TypedValue.Value).FirstOrDefault();

    /// <summary>The pinned version of a package in Directory.Packages.props.</summary>
    public string PinnedVersion(string package)
    {
        var props = XDocument.Load(Path.Combine(RepoRoot, "Directory.Packages.props"));
        var version = props.Descendants("PackageVersion")
            .Where(e => string.Equals((string?)e.Attribute("Include"), package, StringComparison.OrdinalIgnoreCase))
            .Select(e => (string?)e.Attribute("Version"))
            .FirstOrDefault();
        return version ?? throw new InvalidOperationException($"Directory.Packages.props has no pin for {package}.");
    }

    private static string FindRepoRoot()
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

    private static string ReadProperty(string propsPath, string name)
    {
        var value = XDocument.Load(propsPath).Descendants(name).Select(e => e.Value.Trim()).FirstOrDefault();
        return string.IsNullOrEmpty(value) ? throw new InvalidOperationException($"{propsPath} has no {name}.") : value;
    }

    private static string NuGetPackageRoot()
    {
        var fromBuild = typeof(BuiltModule).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key == "NuGetPackageRoot").Select(a => a.Value).FirstOrDefault();
        foreach (var candidate in new[] { fromBuild, Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
                     Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages") })
        {
            if (!string.IsNullOrEmpty(candidate) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("The NuGet packages folder was not found (NuGetPackageRoot, NUGET_PACKAGES, ~/.nuget/packages).");
    }

    private static string FindNetStandardRefDir(string packages)
    {
        var root = Path.Combine(packages, "netstandard.library");
        var dir = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "build", "netstandard2.0", "ref"))
                .Where(d => File.Exists(Path.Combine(d, "netstandard.dll")))
                .OrderByDescending(d => d, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
        return dir ?? throw new InvalidOperationException($"No netstandard reference assemblies under {root} (NETStandard.Library restores with any netstandard2.0 project).");
    }
}

/// <summary>A compiled cmdlet class, read from metadata.</summary>
public sealed class CompiledCmdlet
{
    private const string ParameterAttributeName = "System.Management.Automation.ParameterAttribute";
    private const string AliasAttributeName = "System.Management.Automation.AliasAttribute";

    /// <summary>Reads the cmdlet's attributes and parameters.</summary>
    public CompiledCmdlet(Type type)
    {
        Type = type;
        var cmdlet = BuiltModule.Attribute(type, BuiltModule.CmdletAttributeName)!;
        Verb = (string)cmdlet.ConstructorArguments[0].Value!;
        Noun = (string)cmdlet.ConstructorArguments[1].Value!;
        SupportsShouldProcess = BuiltModule.Named(cmdlet, "SupportsShouldProcess") is true;
        ConfirmImpact = BuiltModule.Named(cmdlet, "ConfirmImpact") is int impact ? impact : 2; // ConfirmImpact.Medium
        DefaultParameterSetName = BuiltModule.Named(cmdlet, "DefaultParameterSetName") as string;

        foreach (var output in BuiltModule.Attributes(type, "System.Management.Automation.OutputTypeAttribute"))
        {
            foreach (var arg in output.ConstructorArguments)
            {
                var values = arg.Value as IEnumerable<CustomAttributeTypedArgument> ?? new[] { arg };
                foreach (var value in values)
                {
                    OutputTypes.Add(value.Value switch
                    {
                        Type t => t.FullName!,
                        string s => s,
                        _ => throw new InvalidOperationException($"{type.Name}: unexpected OutputType argument {value}"),
                    });
                }
            }
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attributes = BuiltModule.Attributes(property, ParameterAttributeName).ToList();
            if (attributes.Count == 0)
            {
                continue;
            }

            var parameter = new CompiledParameter(property.Name, TypeName(property.PropertyType),
                property.PropertyType.FullName == "System.Management.Automation.SwitchParameter");
            foreach (var alias in BuiltModule.Attributes(property, AliasAttributeName))
            {
                foreach (var arg in alias.ConstructorArguments)
                {
                    var values = arg.Value as IEnumerable<CustomAttributeTypedArgument> ?? new[] { arg };
                    parameter.Aliases.AddRange(values.Select(v => (string)v.Value!));
                }
            }

            foreach (var attribute in attributes)
            {
                parameter.Sets.Add(new CompiledParameterSet(
                    BuiltModule.Named(attribute, "ParameterSetName") as string ?? AllSets,
                    BuiltModule.Named(attribute, "Mandatory") is true,
                    BuiltModule.Named(attribute, "Position") is int position && position >= 0 ? position : null,
                    BuiltModule.Named(attribute, "ValueFromPipeline") is true,
                    BuiltModule.Named(attribute, "ValueFromPipelineByPropertyName") is true));
            }

            parameter.ElementType = property.PropertyType.IsArray ? property.PropertyType.GetElementType()!.FullName! : property.PropertyType.FullName!;
            Parameters.Add(parameter);
        }

        // Named sets in declaration order; a default set that no parameter names (e.g. "list everything" with no
        // arguments) is a set too: PowerShell binds it when no other set's parameters are given.
        var named = Parameters.SelectMany(p => p.Sets).Select(s => s.Name).Where(n => n != AllSets).Distinct(StringComparer.Ordinal).ToList();
        if (named.Count > 0 && DefaultParameterSetName is not null && !named.Contains(DefaultParameterSetName))
        {
            named.Insert(0, DefaultParameterSetName);
        }

        ParameterSets = named.Count > 0 ? named : new List<string> { AllSets };
    }

    /// <summary>PowerShell's name for "every parameter set".</summary>
    public const string AllSets = "__AllParameterSets";

    /// <summary>The class.</summary>
    public Type Type { get; }

    /// <summary>Verb-Noun.</summary>
    public string Name => Verb + "-" + Noun;

    /// <summary>The verb.</summary>
    public string Verb { get; }

    /// <summary>The noun.</summary>
    public string Noun { get; }

    /// <summary>SupportsShouldProcess.</summary>
    public bool SupportsShouldProcess { get; }

    /// <summary>ConfirmImpact as its number (None 0, Low 1, Medium 2, High 3).</summary>
    public int ConfirmImpact { get; }

    /// <summary>The default parameter set, if named.</summary>
    public string? DefaultParameterSetName { get; }

    /// <summary>Full names of the [OutputType] types.</summary>
    public List<string> OutputTypes { get; } = new();

    /// <summary>The parameters (public properties with [Parameter]).</summary>
    public List<CompiledParameter> Parameters { get; } = new();

    /// <summary>The named parameter sets, or just __AllParameterSets.</summary>
    public List<string> ParameterSets { get; }

    /// <summary>The parameters of one set, with their behaviour in it.</summary>
    public IEnumerable<(CompiledParameter Parameter, CompiledParameterSet InSet)> InSet(string set) =>
        Parameters.Select(p => (p, p.Sets.FirstOrDefault(s => s.Name == set) ?? p.Sets.FirstOrDefault(s => s.Name == AllSets)))
            .Where(x => x.Item2 is not null)
            .Select(x => (x.p, x.Item2!));

    /// <summary>The parameter names PowerShell adds for SupportsShouldProcess.</summary>
    public IEnumerable<string> ShouldProcessParameters => SupportsShouldProcess ? new[] { "WhatIf", "Confirm" } : Array.Empty<string>();

    /// <summary>A type's name as help writes it (System.String, System.String[], System.Nullable`1[System.Int32]…).</summary>
    public static string TypeName(Type type)
    {
        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericType)
        {
            return type.GetGenericTypeDefinition().FullName + "[" + string.Join(",", type.GetGenericArguments().Select(TypeName)) + "]";
        }

        return type.FullName ?? type.Name;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A compiled parameter.</summary>
public sealed class CompiledParameter
{
    /// <summary>Creates a parameter.</summary>
    public CompiledParameter(string name, string typeName, bool isSwitch)
    {
        Name = name;
        TypeName = typeName;
        IsSwitch = isSwitch;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The type's full name (arrays with []).</summary>
    public string TypeName { get; }

    /// <summary>The element type's full name for arrays, else the type's.</summary>
    public string ElementType { get; set; } = string.Empty;

    /// <summary>A SwitchParameter.</summary>
    public bool IsSwitch { get; }

    /// <summary>[Alias] names.</summary>
    public List<string> Aliases { get; } = new();

    /// <summary>One entry per [Parameter] attribute.</summary>
    public List<CompiledParameterSet> Sets { get; } = new();

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A parameter's behaviour in one set.</summary>
public sealed record CompiledParameterSet(string Name, bool Mandatory, int? Position, bool ValueFromPipeline, bool ValueFromPipelineByPropertyName);
