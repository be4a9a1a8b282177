using System;
using System.Management.Automation;
using SyncEngine.History;
using SyncEngine.PowerShell.Completers;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the changes the engine applied to a pair, newest first, as SyncHistoryEntry objects.</para>
/// <para type="description">
/// Get-SyncHistory reads the pair's change log (changes.jsonl in its state folder): one SyncEngine.History.SyncHistoryEntry
/// per file the engine created, updated, deleted, renamed or restored, with the side, the versions before and after,
/// and where the replaced or deleted version is kept. It takes no lock and changes nothing. Pipe an entry to
/// Restore-SyncItem to put back the version it replaced; Out-GridView or Format-Table explore the history. A damaged
/// line of the log is skipped with a warning.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "SyncHistory", DefaultParameterSetName = PairSet)]
[OutputType(typeof(SyncHistoryEntry))]
public sealed class GetSyncHistoryCommand : SyncCmdletBase
{
    private const string PairSet = "Pair";
    private const string NameSet = "Name";
    private const string StatePathSet = "StatePath";

    /// <summary>The pair whose history to list, from New-SyncPair. Accepts pipeline input.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PairSet, HelpMessage = "A pair from New-SyncPair.")]
    [ValidateNotNull]
    public SyncPair? Pair { get; set; }

    /// <summary>
    /// The name of the pair: one named with New-SyncPair -Name in this session, or one whose state is in the per-user
    /// state folder. Wildcards are allowed.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, HelpMessage = "The name of the pair.")]
    [ArgumentCompleter(typeof(PairNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The state folder of the pair whose history to list (the -StatePath its syncs used).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = StatePathSet, HelpMessage = "The state folder of the pair.")]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    /// <summary>
    /// Only changes of this file, or of this folder and everything under it, relative to the roots ('/' or '\'); a rename
    /// counts for both its names.
    /// </summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Only changes made at or after this time (local time unless the DateTime says UTC).</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only changes made at or before this time (local time unless the DateTime says UTC).</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Writes the entries of each pair asked for.</summary>
    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PairSet:
                Write(() => SyncHistory.Read(Pair!, Path, Since, Until, WriteWarning), Pair!.Name);
                break;
            case StatePathSet:
                var dir = ResolvePath(StatePath!, nameof(StatePath));
                Write(() => SyncHistory.ReadStateFolder(dir, Path, Since, Until, WriteWarning), dir);
                break;
            default:
                foreach (var name in Name!)
                {
                    var found = PairDirectory.Find(NameMatcher(name));
                    if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    {
                        WriteErrorInfo(PairDirectory.NameNotFoundError(name));
                    }

                    foreach (var known in found)
                    {
                        Write(() => SyncHistory.ReadStateFolder(known.StatePath, Path, Since, Until, WriteWarning), known.Name);
                    }
                }

                break;
        }
    }

    private void Write(Func<System.Collections.Generic.IReadOnlyList<SyncHistoryEntry>> read, string target)
    {
        try
        {
            foreach (var e in read())
            {
                WriteObject(e);
            }
        }
        catch (SyncEngineException ex)
        {
            WriteNonTerminating(ex, target);
        }
    }
}
