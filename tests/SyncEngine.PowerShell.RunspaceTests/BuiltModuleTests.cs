using System;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using Pwsh = System.Management.Automation.PowerShell;

namespace SyncEngine.PowerShell.RunspaceTests;

/// <summary>
/// The module as a user's session loads it: the manifest laid out in out/SyncEngine/&lt;version&gt;/ (or the one
/// SYNCENGINE_TEST_MANIFEST names) imported into a real runspace of PowerShell 7 (Microsoft.PowerShell.SDK).
/// </summary>
public sealed class BuiltModuleTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("se-runspace-");
    private readonly string? _savedStateHome = Environment.GetEnvironmentVariable("SYNCENGINE_STATE_HOME");
    private readonly Runspace _runspace;

    public BuiltModuleTests()
    {
        // Pair state stays in this test's folder, never in the user's own state folder.
        Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", Path.Combine(_root.FullName, "state-home"));
        var state = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            // Elsewhere PowerShell has no execution policy (setting one throws PlatformNotSupportedException).
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        Run("Import-Module -Name $args[0] -ErrorAction Stop", ManifestPath());
    }

    [Fact]
    public void NewSyncPairPipedToGetSyncPlanPlansACopyOfEachNewFileAndChangesNothing()
    {
        var source = Directory.CreateDirectory(Path.Combine(_root.FullName, "source")).FullName;
        var destination = Directory.CreateDirectory(Path.Combine(_root.FullName, "destination")).FullName;
        File.WriteAllText(Path.Combine(source, "a.txt"), "a");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        File.WriteAllText(Path.Combine(source, "sub", "b.txt"), "bb");

        var plan = Run(
            "New-SyncPair -Source $args[0] -Destination $args[1] -StatePath $args[2] | Get-SyncPlan",
            source, destination, Path.Combine(_root.FullName, "state"));

        Assert.All(plan, action => Assert.Equal("SyncEngine.SyncAction", action.BaseObject.GetType().FullName));
        Assert.Equal(
            new[] { ("UploadNew", "a.txt"), ("UploadNew", "sub/b.txt") },
            plan.Select(a => (a.Properties["Action"].Value.ToString()!, (string)a.Properties["RelativePath"].Value)).OrderBy(a => a.Item2, StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(destination));
    }

    [Fact]
    public void TheModulesErrorCategoriesHavePowerShellsNamesAndValues()
    {
        // The module maps engine errors to its own copy of ErrorCategory (the decisions are PowerShell-free).
        var ours = (Type)Run("[SyncEngine.PowerShell.Commands.NewSyncPairCommand].Assembly.GetType('SyncEngine.PowerShell.Pipeline.PsErrorCategory', $true)")
            .Single().BaseObject;
        Assert.NotEmpty(Enum.GetNames(ours));
        foreach (var name in Enum.GetNames(ours))
        {
            Assert.True(Enum.TryParse<ErrorCategory>(name, out var category), $"{name} is not a PowerShell ErrorCategory.");
            Assert.Equal((int)category, Convert.ToInt32(Enum.Parse(ours, name), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void AnEngineErrorReachesTheSessionWithItsErrorIdAndCategory()
    {
        using var ps = Pwsh.Create();
        ps.Runspace = _runspace;
        ps.AddScript("try { New-SyncPair -Source $args[0] -Destination $args[1] -ErrorAction Stop; 'no error' } catch { $_ }")
            .AddArgument(Path.Combine(_root.FullName, "missing")).AddArgument(_root.FullName);

        var error = Assert.IsType<ErrorRecord>(Assert.Single(ps.Invoke()).BaseObject);
        Assert.StartsWith("SyncRootNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    public void Dispose()
    {
        _runspace.Dispose();
        Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", _savedStateHome);
        _root.Delete(recursive: true);
    }

    private static string ManifestPath()
    {
        var path = Environment.GetEnvironmentVariable("SYNCENGINE_TEST_MANIFEST");
        if (string.IsNullOrEmpty(path))
        {
            path = typeof(BuiltModuleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "ModuleManifest").Value!;
        }

        Assert.True(File.Exists(path), $"The module layout is missing: {path}. Building this project lays it out (it references tools/SyncEngine.Packaging).");
        return path;
    }

    private Collection<PSObject> Run(string script, params object[] arguments)
    {
        using var ps = Pwsh.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var argument in arguments)
        {
            ps.AddArgument(argument);
        }

        var output = ps.Invoke();
        Assert.False(ps.HadErrors, string.Join("\n", ps.Streams.Error.Select(e => e.ToString())));
        return output;
    }
}
