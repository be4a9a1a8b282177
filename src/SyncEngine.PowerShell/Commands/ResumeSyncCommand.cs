using System.Management.Automation;
using SyncEngine.Control;
using SyncEngine.PowerShell.Jobs;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Resumes a sync paused with Suspend-Sync (or, on Windows, Suspend-Job).</para>
/// <para type="description">
/// Resume-Sync reaches the run of a pair in this PowerShell process at once, and a run in another process through the
/// control file in the pair's state folder. A pair that no run holds is reported as an error (SyncNotRunning).
/// With -Force, a watch whose batch a safety guard refused (the delete guard over its rolling window, or the
/// changed-files guard) applies that batch once, past the guards, and goes on watching under the guards again.
/// </para>
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "Sync", DefaultParameterSetName = PairSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SyncStatusInfo), ParameterSetName = new[] { PairSet, StatePathSet, NameSet })]
[OutputType(typeof(SyncJob), ParameterSetName = new[] { JobSet })]
public sealed class ResumeSyncCommand : SyncControlCommandBase
{
    /// <summary>
    /// Also release the batch a safety guard refused in a running watch (Invoke-Sync -Watch, syncengine watch): it is
    /// applied once, past the guards, and the rolling delete window starts afresh. Without a refused batch waiting the
    /// watch only says so in a warning. A single sync only resumes (its guard already ended it).
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    internal override ControlRequest Request => Force ? ControlRequest.Force : ControlRequest.Resume;

    internal override string ActionText => Force ? "Resume sync and apply the batch a safety guard refused" : "Resume sync";
}
