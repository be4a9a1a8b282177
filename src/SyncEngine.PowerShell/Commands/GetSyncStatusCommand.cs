using System.Collections.Generic;
using System.Management.Automation;
using SyncEngine.Control;
using SyncEngine.PowerShell.Completers;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows whether pairs are being synced, and how their last sync ended.</para>
/// <para type="description">
/// Get-SyncStatus reads a pair's state folder: Running, Paused or Idle; the process id and start time of a running
/// sync (in any process); when the last sync ended, its outcome (Succeeded, Failed, Conflicts, Cancelled, Refused) and
/// counts; and how many files the state tracks. Without parameters it lists the pairs named in this session and those
/// whose state is in the per-user state folder.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SyncStatus", DefaultParameterSetName = AllSet)]
[OutputType(typeof(SyncStatusInfo))]
public sealed class GetSyncStatusCommand : SyncCmdletBase
{
    private const string AllSet = "All";
    private const string PairSet = "Pair";
    private const string StatePathSet = "StatePath";
    private const string NameSet = "Name";

    /// <summary>The pair whose status to show, from New-SyncPair. Accepts pipeline input.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PairSet, HelpMessage = "A pair from New-SyncPair.")]
    [ValidateNotNull]
    public SyncPair[]? Pair { get; set; }

    /// <summary>The state folder of the pair whose status to show. Accepts folder objects from the pipeline (PSPath).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = StatePathSet, HelpMessage = "The state folder of the pair.")]
    [Alias("PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[]? StatePath { get; set; }

    /// <summary>
    /// The name of the pair: one named with New-SyncPair -Name in this session, or one whose state is in the per-user
    /// state folder. Wildcards are allowed.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, HelpMessage = "The name of the pair.")]
    [ArgumentCompleter(typeof(PairNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Writes the status of each pair asked for.</summary>
    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PairSet:
                foreach (var pair in Pair!)
                {
                    if (pair is not null)
                    {
                        WriteObject(PairStatus.Read(pair.Name, pair.ResolvedStatePath));
                    }
                }

                break;
            case StatePathSet:
                foreach (var path in StatePath!)
                {
                    try
                    {
                        WriteObject(PairStatus.Read("", ResolvePath(path, nameof(StatePath))));
                    }
                    catch (SyncEngineException ex)
                    {
                        WriteNonTerminating(ex, path);
                    }
                }

                break;
            case NameSet:
                foreach (var name in Name!)
                {
                    var found = PairDirectory.Find(NameMatcher(name));
                    if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    {
                        WriteErrorInfo(PairDirectory.NameNotFoundError(name));
                    }

                    foreach (var known in found)
                    {
                        WriteObject(PairStatus.Read(known.Name, known.StatePath));
                    }
                }

                break;
            default:
                var seen = new HashSet<string>(RunRegistry.PathComparer);
                foreach (var known in PairDirectory.All())
                {
                    seen.Add(known.StatePath);
                    WriteObject(PairStatus.Read(known.Name, known.StatePath));
                }

                foreach (var run in RunRegistry.All)
                {
                    if (seen.Add(run.StatePath))
                    {
                        WriteObject(PairStatus.Read(run.PairName, run.StatePath));
                    }
                }

                break;
        }
    }
}
