using System;
using System.Management.Automation;
using SyncEngine.History;
using SyncEngine.PowerShell.Completers;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Puts files back as they were at a date, or the version a change replaced.</para>
/// <para type="description">
/// Restore-SyncItem plans a restore from the pair's change log and runs it as a sync runs its plan: every change is
/// offered to ShouldProcess (-WhatIf lists them and changes nothing, -Confirm asks per file), the safety guards
/// apply, and the version each change replaces or deletes is kept in the trash first, so a restore can itself be
/// undone. Give a SyncHistoryEntry (piped from Get-SyncHistory) to restore the version it replaced or deleted, or
/// -Side with -Date to restore a file, a folder (-Path) or a whole side as it was then: files are taken from where the
/// log says their versions were kept, on either side, and restoring in place also removes (to the trash) files that
/// did not exist then. -Destination restores into a folder of the side instead. Only the side named changes; the
/// next sync carries the restore over as any edit. Writes one SyncEngine.SyncResult per file.
/// </para>
/// </summary>
[Cmdlet(VerbsData.Restore, "SyncItem", DefaultParameterSetName = EntrySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncResult), typeof(SyncSummary))]
public sealed class RestoreSyncItemCommand : SyncCmdletBase, IDisposable
{
    private const string EntrySet = "Entry";
    private const string PairSet = "Pair";
    private const string NameSet = "Name";
    private SyncPipeline? _pipeline;

    /// <summary>A change from Get-SyncHistory (usually piped): its version is restored, or with -Date its path as it was then.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = EntrySet, HelpMessage = "A SyncHistoryEntry from Get-SyncHistory.")]
    [ValidateNotNull]
    public SyncHistoryEntry? InputObject { get; set; }

    /// <summary>The pair to restore on, from New-SyncPair.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PairSet, HelpMessage = "A pair from New-SyncPair.")]
    [ValidateNotNull]
    public SyncPair? Pair { get; set; }

    /// <summary>The name of the pair to restore on (New-SyncPair -Name, or a pair in the per-user state folder).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, HelpMessage = "The name of the pair.")]
    [ArgumentCompleter(typeof(PairNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The side to restore: Source or Destination. With an entry, by default the entry's side.</summary>
    [Parameter(ParameterSetName = EntrySet)]
    [Parameter(Mandatory = true, ParameterSetName = PairSet)]
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    public SyncSide? Side { get; set; }

    /// <summary>A file or folder relative to the root (default: the whole side). With -Date only.</summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Restore as it was at this time (local time unless the DateTime says UTC).</summary>
    [Parameter]
    public DateTime? Date { get; set; }

    /// <summary>The id of a change (SyncHistoryEntry.Id): the version it replaced or deleted is restored.</summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? Version { get; set; }

    /// <summary>
    /// A folder of the restored side, relative to its root, to restore into instead of in place: each file keeps its
    /// path under it. Nothing is deleted.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Go ahead although a safety guard trips (a restore that would delete many files). Does not suppress -Confirm.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write one SyncEngine.SyncSummary per restore instead of a SyncResult per file.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <summary>Prepares the pipeline.</summary>
    protected override void BeginProcessing()
    {
        _pipeline = new SyncPipeline(this, new SyncPipelineOptions { WhatIf = IsWhatIf(), Force = Force.IsPresent, Summary = Summary.IsPresent });
    }

    /// <summary>Plans and runs one restore; one that cannot be planned is reported and the next input is restored.</summary>
    protected override void ProcessRecord()
    {
        SyncPair pair;
        RestoreOptions options;
        try
        {
            (pair, options) = Request();
        }
        catch (SyncEngineException ex)
        {
            ThrowTerminating(ex);
            return;
        }

        try
        {
            _pipeline!.Restore(pair, options);
        }
        catch (OperationCanceledException) when (Stopping)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ErrorMapping.FromException(ex) is not null)
        {
            WriteNonTerminating(ex, InputObject?.Path ?? Path ?? pair.Name);
        }
    }

    private (SyncPair Pair, RestoreOptions Options) Request()
    {
        if (ParameterSetName == EntrySet)
        {
            var e = InputObject!;
            var pair = PairOfStateFolder(e.StatePath ?? throw Invalid("The history entry does not say which pair it belongs to (it was not read by Get-SyncHistory)."));
            return (pair, Date is { } date
                ? new RestoreOptions { Side = Side ?? e.Side, Path = e.Path, AsOf = date, To = Destination }
                : new RestoreOptions { Side = Side, VersionId = e.Id, To = Destination });
        }

        if ((Date is null) == (Version is null))
        {
            throw Invalid("Give either -Date or -Version.");
        }

        if (Version is not null && Path is not null)
        {
            throw Invalid("-Version names one version of one file; -Path goes with -Date.");
        }

        SyncPair target;
        if (ParameterSetName == PairSet)
        {
            target = Pair!;
        }
        else
        {
            var found = PairDirectory.Find(NameMatcher(Name!));
            if (found.Count == 0)
            {
                ThrowTerminatingError(ToErrorRecord(PairDirectory.NameNotFoundError(Name!)));
            }

            if (found.Count > 1)
            {
                throw Invalid($"'{Name}' names {found.Count} pairs; name one.");
            }

            target = found[0].Pair ?? PairOfStateFolder(found[0].StatePath);
        }

        return (target, new RestoreOptions { Side = Side, Path = Path, AsOf = Date, VersionId = Version, To = Destination });
    }

    /// <summary>The pair of a state folder: the one registered in this session for it, else the roots its state records.</summary>
    private static SyncPair PairOfStateFolder(string statePath)
    {
        var normalized = RunRegistry.Normalize(statePath);
        foreach (var known in PairDirectory.All())
        {
            if (known.Pair is not null && RunRegistry.PathComparer.Equals(known.StatePath, normalized))
            {
                return known.Pair;
            }
        }

        var stored = SyncHistory.StoredPair(statePath);
        return new SyncPair(stored.Source, stored.Destination)
        {
            Name = stored.Name ?? "",
            Mode = stored.Mode ?? SyncMode.TwoWay,
            StatePath = statePath,
        };
    }

    private static SyncEngineException Invalid(string message) => new("SyncRestoreInvalidArgument", SyncErrorKind.InvalidArgument, message);

    /// <summary>Ctrl+C: stops the restore (running copies finish).</summary>
    protected override void StopProcessing() => _pipeline?.Abort();

    /// <summary>Releases the pipeline.</summary>
    public void Dispose()
    {
        _pipeline?.Dispose();
        _pipeline = null;
    }
}
