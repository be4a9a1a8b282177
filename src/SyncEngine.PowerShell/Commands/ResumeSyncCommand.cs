using System.Management.Automation;
using SyncEngine.Control;
using SyncEngine.PowerShell.Jobs;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Resumes a sync paused with Suspend-Sync (or, on Windows, Suspend-Job).</para>
/// <para type="description">
/// Resume-Sync reaches the run of a pair in this PowerShell process at once, and a run in another process through the
/// control file in the pair's state folder. A pair that no run holds is reported as an error (SyncNotRunning).
/// </para>
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "Sync", DefaultParameterSetName = PairSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SyncStatusInfo), ParameterSetName = new[] { PairSet, StatePathSet, NameSet })]
[OutputType(typeof(SyncJob), ParameterSetName = new[] { JobSet })]
public sealed class ResumeSyncCommand : SyncControlCommandBase
{
    internal override ControlRequest Request => ControlRequest.Resume;

    internal override string ActionText => "Resume sync";
}
