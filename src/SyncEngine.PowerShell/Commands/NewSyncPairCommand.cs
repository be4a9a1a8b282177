using System.Management.Automation;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Defines a pair of folders to keep in sync, with its options.</para>
/// <para type="description">
/// New-SyncPair checks the two folders and the options and returns a SyncEngine.SyncPair object for Get-SyncPlan,
/// Invoke-Sync, Get-SyncStatus, Suspend-Sync, Resume-Sync and Stop-Sync. It changes nothing on disk. Relative paths
/// are resolved against the current PowerShell location. A pair given a -Name is remembered for this PowerShell
/// process, so -Name parameters of the other cmdlets find it and tab completion offers it.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.New, "SyncPair", DefaultParameterSetName = InlineSet)]
[OutputType(typeof(SyncPair))]
public sealed class NewSyncPairCommand : PairCommandBase
{
    /// <summary>Builds, checks and writes the pair; a named pair is remembered for -Name lookups.</summary>
    protected override void ProcessRecord()
    {
        SyncPair pair;
        try
        {
            pair = BuildInlinePair();
        }
        catch (SyncEngineException ex)
        {
            ThrowTerminating(ex);
            return;
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(Name)))
        {
            PairRegistry.Register(pair);
        }

        WriteObject(pair);
    }
}
