using System.Management.Automation;
using SyncEngine.Control;
using SyncEngine.PowerShell.Jobs;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops a running sync; what finished is saved and the next run continues from there.</para>
/// <para type="description">
/// Stop-Sync reaches the run of a pair in this PowerShell process at once, and a run in another process through the
/// control file in the pair's state folder. Running transfers finish (nothing is left half-written), no new ones
/// start, the state is saved and the lock released. A pair that no run holds is reported as an error (SyncNotRunning).
/// </para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "Sync", DefaultParameterSetName = PairSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncStatusInfo), ParameterSetName = new[] { PairSet, StatePathSet, NameSet })]
[OutputType(typeof(SyncJob), ParameterSetName = new[] { JobSet })]
public sealed class StopSyncCommand : SyncControlCommandBase
{
    internal override ControlRequest Request => ControlRequest.Stop;

    internal override string ActionText => "Stop sync";
}
