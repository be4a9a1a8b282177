using System;
using System.Management.Automation;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows what a sync of a pair would do, as SyncAction objects, without changing anything.</para>
/// <para type="description">
/// Get-SyncPlan scans both folders, compares them with the pair's last-known state and writes one SyncEngine.SyncAction
/// per change (copy, delete, rename, unresolved conflict). It takes no lock and writes nothing. Filter the actions and
/// pipe them to Invoke-Sync to run exactly those; actions whose files changed in the meantime are skipped as stale.
/// Warnings (a risky first sync, an unreadable state, files left out of the scan) go to the warning stream.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SyncPlan", DefaultParameterSetName = PairSet)]
[OutputType(typeof(SyncAction))]
public sealed class GetSyncPlanCommand : PairCommandBase, IDisposable
{
    private const string PairSet = "Pair";
    private SyncPipeline? _pipeline;

    /// <summary>The pair to plan, from New-SyncPair. Accepts pipeline input.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PairSet, HelpMessage = "A pair from New-SyncPair.")]
    [ValidateNotNull]
    public SyncPair? Pair { get; set; }

    /// <summary>Also write a NoAction item for every file that is already in sync.</summary>
    [Parameter]
    public SwitchParameter IncludeUnchanged { get; set; }

    /// <summary>
    /// Plan a re-seed: as a first sync that merges, whatever the pair's state says, deleting nothing on either side.
    /// For a side that is gone (a lost or replaced drive): everything is copied back. Piped to Invoke-Sync, the plan
    /// runs as a re-seed.
    /// </summary>
    [Parameter]
    public SwitchParameter Reseed { get; set; }

    /// <summary>
    /// Plan only these subtrees: paths relative to the pair's roots (not to the current location), each a file or a
    /// folder, such as 'docs/reports'. Both sides are listed only there. An absolute path, one with '..', or one
    /// inside .syncengine is an error (SyncInvalidPath) naming it. Cannot be combined with -Reseed.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>
    /// For pairs with -ConflictResolution Manual: a scriptblock that decides each conflict. It receives a
    /// SyncEngine.ConflictInfo (RelativePath, Source, Destination, Reason, sizes and times) as $_ and as its first
    /// argument, and returns 'Source', 'Destination', 'KeepBoth' or 'Skip' (or a SyncEngine.ConflictChoice). Anything
    /// else, nothing, or an error skips the file, which stays in conflict.
    /// </summary>
    [Parameter]
    public ScriptBlock? ConflictHandler { get; set; }

    /// <summary>Prepares the pipeline.</summary>
    protected override void BeginProcessing()
    {
        CheckPaths(Path, Reseed);
        _pipeline = new SyncPipeline(this, new SyncPipelineOptions
        {
            IncludeUnchanged = IncludeUnchanged.IsPresent,
            Reseed = Reseed.IsPresent,
            Paths = Path,
            ConflictHandler = ConflictHandler is null ? null : ConflictHandlerFrom(ConflictHandler),
        });
    }

    /// <summary>Plans one pair and writes its actions; a pair that cannot be planned is reported and the next one is planned.</summary>
    protected override void ProcessRecord()
    {
        SyncPair pair;
        try
        {
            pair = ParameterSetName == PairSet ? Pair! : BuildInlinePair();
        }
        catch (SyncEngineException ex)
        {
            ThrowTerminating(ex);
            return;
        }

        try
        {
            _pipeline!.WritePlan(pair);
        }
        catch (OperationCanceledException) when (Stopping)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ErrorMapping.FromException(ex) is not null)
        {
            WriteNonTerminating(ex, pair.Name);
        }
    }

    /// <summary>Ctrl+C: stops the scan.</summary>
    protected override void StopProcessing() => _pipeline?.Abort();

    /// <summary>Releases the pipeline.</summary>
    public void Dispose()
    {
        _pipeline?.Dispose();
        _pipeline = null;
    }
}
