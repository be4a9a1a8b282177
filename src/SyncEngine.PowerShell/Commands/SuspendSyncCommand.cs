using System.Management.Automation;
using SyncEngine.Control;
using SyncEngine.PowerShell.Jobs;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Pauses a running sync: running transfers finish, no new ones start.</para>
/// <para type="description">
/// Suspend-Sync reaches the run of a pair in this PowerShell process (including Invoke-Sync -AsJob jobs) at once, and a
/// run in another process (a scheduled task) through the control file in the pair's state folder. Resume it with
/// Resume-Sync. A pair that no run holds is reported as an error (SyncNotRunning).
/// </para>
/// </summary>
[Cmdlet(VerbsLifecycle.Suspend, "Sync", DefaultParameterSetName = PairSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SyncStatusInfo), ParameterSetName = new[] { PairSet, StatePathSet, NameSet })]
[OutputType(typeof(SyncJob), ParameterSetName = new[] { JobSet })]
public sealed class SuspendSyncCommand : SyncControlCommandBase
{
    internal override ControlRequest Request => ControlRequest.Pause;

    internal override string ActionText => "Pause sync";
}
