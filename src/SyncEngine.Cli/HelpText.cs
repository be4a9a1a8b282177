using System;
using System.Linq;
using System.Reflection;
using System.Text;

namespace SyncEngine.Cli;

/// <summary>The text of <c>--help</c> and <c>--version</c>. Value lists come from the engine's enums, so they stay accurate.</summary>
internal static class HelpText
{
    /// <summary>The version stamped into the assembly (from Directory.Build.props), without build metadata.</summary>
    public static string Version
    {
        get
        {
            var informational = typeof(HelpText).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(HelpText).Assembly.GetName().Version?.ToString() ?? "0.0.0";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus > 0 ? informational.Substring(0, plus) : informational;
        }
    }

    /// <summary>Help for the command named <paramref name="command"/> ("" for the program).</summary>
    public static string For(string command)
    {
        var sb = new StringBuilder();
        switch (command)
        {
            case "plan":
                sb.AppendLine("syncengine plan: print what a sync would do; change nothing (takes no lock).");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine plan SOURCE DESTINATION [--mode M] [--compare C] [--conflict R] [--initial P]");
                sb.AppendLine("                  [--state-dir DIR] [--ignore PAT]... [--path P]... [--what-if] [--json] [--reseed]");
                sb.AppendLine("                  [--sftp-key FILE]... [--sftp-known-hosts FILE] [--sftp-accept-new-host]");
                sb.AppendLine("                  [--s3-endpoint URL] [--s3-region REGION]");
                sb.AppendLine("                  [--encrypt [--encrypt-names standard|off]] [--compress zstd[:LEVEL]]");
                sb.AppendLine();
                sb.AppendLine("Output: one line per action (action, path, reason), then a summary line; warnings on stderr.");
                AppendPairOptions(sb, sync: false);
                break;
            case "sync":
                sb.AppendLine("syncengine sync: plan and execute.");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine sync SOURCE DESTINATION [--mode M] [--compare C] [--conflict R] [--initial P]");
                sb.AppendLine("                  [--state-dir DIR] [--ignore PAT]... [--path P]... [--what-if] [--json] [--reseed]");
                sb.AppendLine("                  [--force] [--no-trash]");
                sb.AppendLine("                  [--transfers N] [--operations N] [--bwlimit RATE]");
                sb.AppendLine("                  [--sftp-key FILE]... [--sftp-known-hosts FILE] [--sftp-accept-new-host]");
                sb.AppendLine("                  [--s3-endpoint URL] [--s3-region REGION]");
                sb.AppendLine("                  [--encrypt [--encrypt-names standard|off]] [--compress zstd[:LEVEL]]");
                sb.AppendLine();
                sb.AppendLine("Output: one line per action that ran (status, action, path, error), then");
                sb.AppendLine("'N succeeded, N failed, N skipped, N stale, N conflicts, <bytes> copied in <s>'.");
                sb.AppendLine("On a terminal, a live progress line on stderr. Ctrl+C stops cleanly (exit 130).");
                AppendPairOptions(sb, sync: true);
                break;
            case "watch":
                sb.AppendLine("syncengine watch: sync, then keep syncing every change as it comes, until stopped.");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine watch SOURCE DESTINATION [every sync option but --what-if, --path]");
                sb.AppendLine("                   [--debounce D] [--max-delay D] [--rescan D] [--poll D]");
                sb.AppendLine();
                sb.AppendLine("One full sync first; then local sides report changes as they happen (inotify, ReadDirectoryChangesW,");
                sb.AppendLine("FSEvents) and sftp:// sides are listed every --poll. Changes are collected until none came for");
                sb.AppendLine("--debounce, or for --max-delay at most, and synced as one batch planned over the changed paths only.");
                sb.AppendLine("Output: one line per action that ran, as sync prints them, and 'batch N: <summary>' per batch");
                sb.AppendLine("(--json: result lines, {\"batch\":{...}} per batch, {\"watchEnd\":{...}} last). Notices on stderr.");
                sb.AppendLine("'syncengine pause|resume|stop' from another terminal hold, release and end it.");
                sb.AppendLine();
                sb.AppendLine("Options (watch only); a duration is a whole number and a unit: 200ms, 2s, 10m, 1h, 1d:");
                sb.AppendLine("  --debounce D     quiet period before a batch starts (default 2s)");
                sb.AppendLine("  --max-delay D    longest wait for a batch while changes keep coming (default 10s, at least D)");
                sb.AppendLine("  --rescan D       list both sides in full this often, whatever was reported (default 10m, >= 1s)");
                sb.AppendLine("  --poll D         how often a side without change events is listed (default 30s, >= 100ms)");
                sb.AppendLine();
                sb.AppendLine("Safety: the delete guard counts every batch's deletions over the last hour; a refused batch is");
                sb.AppendLine("reported on stderr and not applied, and the watch goes on. A missing root stops all syncing until");
                sb.AppendLine("it is back (then a full rescan).");
                AppendPairOptions(sb, sync: true, paths: false);
                sb.AppendLine();
                sb.AppendLine("Exit codes (watch):");
                sb.AppendLine("  0    ended by 'syncengine stop'");
                sb.AppendLine("  2    bad arguments: unknown option, bad duration (names the option), --what-if, missing source");
                sb.AppendLine("  3    ended by 'syncengine stop' while a batch refused by a safety guard was still waiting");
                sb.AppendLine("  5    busy: another run holds the pair");
                sb.AppendLine("  130  ended by Ctrl+C (SIGINT); finished actions were saved");
                sb.AppendLine("  143  ended by SIGTERM; finished actions were saved");
                return sb.ToString();
            case "pause":
            case "resume":
            case "stop":
                sb.Append("syncengine ").Append(command).Append(": ask a sync or watch running in another process to ")
                  .AppendLine(command == "pause" ? "pause (running actions finish; no new ones start)." : command == "resume" ? "resume after a pause." : "stop (running actions finish; the state is saved).");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.Append("  syncengine ").Append(command).AppendLine(" --state-dir DIR");
                sb.Append("  syncengine ").Append(command).AppendLine(" SOURCE DESTINATION      (pairs that use the default state folder)");
                if (command == "resume")
                {
                    sb.Append("  syncengine resume --force --state-dir DIR").AppendLine();
                    sb.AppendLine();
                    sb.AppendLine("  --force  also let a watch apply the batch a safety guard refused, once, past the guards");
                }

                sb.AppendLine();
                sb.AppendLine("Exit codes:");

                sb.AppendLine("  0    the request was written (also when no sync was running: stderr says so)");
                sb.AppendLine("  2    bad arguments, or the state folder does not exist");
                return sb.ToString();
            case "status":
                sb.AppendLine("syncengine status: is the pair idle, running or paused, and how did its last run end.");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine status --state-dir DIR [--json]");
                sb.AppendLine("  syncengine status SOURCE DESTINATION [--json]   (pairs that use the default state folder)");
                sb.AppendLine();
                sb.AppendLine("Exit codes:");
                sb.AppendLine("  0    the status was printed");
                sb.AppendLine("  2    bad arguments, or the state folder does not exist");
                return sb.ToString();
            case "history":
                sb.AppendLine("syncengine history: list the changes the engine applied to a pair, newest first (reads the");
                sb.AppendLine("change log, changes.jsonl in the state folder; takes no lock).");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine history SOURCE DESTINATION [--path P] [--since T] [--until T] [--json]");
                sb.AppendLine("  syncengine history --state-dir DIR [--path P] [--since T] [--until T] [--json]");
                sb.AppendLine();
                sb.AppendLine("Output: one line per change: time (UTC), side, action (create, update, delete, rename, restore),");
                sb.AppendLine("path (renames: old -> new), sizes, 'kept' when the replaced or deleted version was kept, and");
                sb.AppendLine("the change's id (give it to 'restore --version'). --json: one object per line, the change log's");
                sb.AppendLine("fields (docs/history.md). A damaged line of the log is skipped with a warning on stderr.");
                sb.AppendLine();
                sb.AppendLine("Options:");
                sb.AppendLine("  --path P     only changes of this file, or of this folder and everything under it (either");
                sb.AppendLine("               name of a rename counts)");
                sb.AppendLine("  --since T    only changes at or after T;  --until T  only changes at or before T");
                AppendTimes(sb);
                sb.AppendLine();
                sb.AppendLine("Exit codes:");
                sb.AppendLine("  0    the history was printed (nothing, when the pair has no changes yet)");
                sb.AppendLine("  2    bad arguments (a time that cannot be read names the option), or no such state folder");
                return sb.ToString();
            case "restore":
                sb.AppendLine("syncengine restore: put files back as they were at a time, or a version a change replaced.");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine restore SOURCE DESTINATION --side source|destination [--path P] --date T");
                sb.AppendLine("  syncengine restore SOURCE DESTINATION [--side S] --version ID");
                sb.AppendLine("  syncengine restore --state-dir DIR ...   (the pair that state folder belongs to)");
                sb.AppendLine("                     [--to DIR] [--what-if] [--json] [--force] [--no-trash] [--transfers N]");
                sb.AppendLine();
                sb.AppendLine("A restore is a plan of ordinary actions, executed as a sync's: --what-if prints it and changes");
                sb.AppendLine("nothing, the safety guards apply, and the version each action replaces or deletes is kept in");
                sb.AppendLine("the trash first (and logged), so a restore can itself be undone. A version is taken from where");
                sb.AppendLine("the change log says it was kept, on either side, or from a file that still is that version.");
                sb.AppendLine("Restoring in place also deletes (to the trash) the files that did not exist at T. Only the");
                sb.AppendLine("side named is changed; the next sync carries the restore to the other side as any edit (in a");
                sb.AppendLine("one-way pair, restore the side it copies from).");
                sb.AppendLine();
                sb.AppendLine("Options:");
                sb.AppendLine("  --side S       source or destination: the side to restore (with --version: the change's side)");
                sb.AppendLine("  --path P       a file or folder (default: the whole side)");
                sb.AppendLine("  --date T       every file under P as it was at T");
                sb.AppendLine("  --version ID   the version the change ID replaced or deleted (ids: 'syncengine history')");
                sb.AppendLine("  --to DIR       restore into DIR, a folder of the side (relative to its root): each file keeps");
                sb.AppendLine("                 its path under DIR; nothing is deleted");
                sb.AppendLine("  --what-if      print one 'What if: <Action> <path>' line per action; change nothing");
                sb.AppendLine("  --json         JSON lines (what-if: actions; else results, then {\"summary\":{...}})");
                sb.AppendLine("  --force        pass the safety guards (a restore that deletes many files)");
                sb.AppendLine("  The SFTP and S3 options of sync (--sftp-key, --s3-endpoint ...) reach remote sides.");
                AppendTimes(sb);
                sb.AppendLine();
                sb.AppendLine("For a folder or a side, a file whose version is no longer kept is left out with a warning;");
                sb.AppendLine("for one file or a version it is an error (exit 2) naming what is missing.");
                sb.AppendLine();
                sb.AppendLine("Exit codes:");
                sb.AppendLine("  0    done (or, with --what-if, the plan was printed)");
                sb.AppendLine("  1    some actions failed (a kept version that does not hold the content the log recorded");
                sb.AppendLine("       is never restored); the others were applied");
                sb.AppendLine("  2    bad arguments, no history, a time before the first sync, a path never seen, a version");
                sb.AppendLine("       unknown or no longer kept (SyncHistoryEmpty, SyncHistoryDateBeforeFirstSync,");
                sb.AppendLine("       SyncHistoryPathNotFound, SyncHistoryVersionNotFound, SyncHistoryVersionNotKept,");
                sb.AppendLine("       SyncHistoryVersionPruned)");
                sb.AppendLine("  3    refused by a safety guard; nothing was changed (check with --what-if, then use --force)");
                sb.AppendLine("  5    busy: another run holds the pair");
                sb.AppendLine("  6    some files changed after the restore was planned and were left as they are");
                sb.AppendLine("  130  cancelled (Ctrl+C); files restored so far stay restored");
                return sb.ToString();
            default:
                sb.Append("syncengine ").Append(Version).AppendLine(": keep two folders in sync (the SyncEngine engine, from any shell).");
                sb.AppendLine();
                sb.AppendLine("Usage:");
                sb.AppendLine("  syncengine plan SOURCE DESTINATION [options]    print the plan; change nothing");
                sb.AppendLine("  syncengine sync SOURCE DESTINATION [options]    plan and execute");
                sb.AppendLine("  syncengine watch SOURCE DESTINATION [options]   sync, then keep syncing changes (see watch --help)");
                sb.AppendLine("  syncengine pause|resume|stop --state-dir DIR    reach a sync running in another process");
                sb.AppendLine("  syncengine status --state-dir DIR [--json]      idle, running or paused; the last run");
                sb.AppendLine("  syncengine history --state-dir DIR [--path P]   the changes applied, newest first");
                sb.AppendLine("  syncengine restore --state-dir DIR --side S --date T | --version ID   put versions back");
                sb.AppendLine("  syncengine --version | --help | COMMAND --help");
                sb.AppendLine();
                sb.AppendLine("SOURCE and DESTINATION are local folders, sftp://[user@]host[:port]/absolute/path or");
                sb.AppendLine("s3://bucket[/prefix] (either side). Relative SOURCE, DESTINATION and DIR resolve against the current folder. pause, resume,");
                sb.AppendLine("stop and status also take SOURCE DESTINATION instead of --state-dir for the default state folder.");
                AppendPairOptions(sb, sync: true);
                break;
        }

        AppendExitCodes(sb);
        return sb.ToString();
    }

    private static void AppendPairOptions(StringBuilder sb, bool sync, bool paths = true)
    {
        sb.AppendLine();
        sb.AppendLine(sync ? "Options (plan and sync):" : "Options:");
        sb.AppendLine("  --mode M         " + PairArguments.ValueList<SyncMode>().Replace(", ", " | ", StringComparison.Ordinal));
        sb.AppendLine("                   (default two-way); aliases: " + string.Join(" ", PairArguments.ModeAliases()));
        sb.AppendLine("                   (names are case-insensitive; '-' and '_' are optional: twoWay, TWO_WAY)");
        sb.AppendLine("  --compare C      " + PairArguments.ValueList<CompareMode>().Replace(", ", " | ", StringComparison.Ordinal) + " (default hash-then-mtime)");
        sb.AppendLine("  --conflict R     " + PairArguments.ValueList<ConflictResolution>().Replace(", ", " | ", StringComparison.Ordinal));
        sb.AppendLine("                   (default newest-wins; manual reports conflicts and skips them)");
        sb.AppendLine("  --initial P      " + PairArguments.ValueList<InitialSyncPreference>().Replace(", ", " | ", StringComparison.Ordinal) + " (default merge): a first two-way sync");
        sb.AppendLine("  --state-dir DIR  the pair's state folder (default: per user, per pair)");
        sb.AppendLine("  --ignore PAT     gitignore-style pattern, repeatable, added to the rules of SOURCE/.syncignore");
        sb.AppendLine("  --what-if        print one 'What if: <Action> <path>' line per planned action; change nothing");
        sb.AppendLine("  --json           one JSON object per line (plan: actions; sync: results, then {\"summary\":{...}})");
        sb.AppendLine("  --reseed         re-seed: plan as a first sync that merges, whatever the state says, and delete");
        sb.AppendLine("                   nothing on either side (a side that is gone gets everything copied back)");
        if (paths)
        {
            sb.AppendLine("  --path P         plan and sync only P, a file or folder relative to the roots (docs/reports),");
            sb.AppendLine("                   repeatable; the rest of the tree and its state are left as they were. An");
            sb.AppendLine("                   absolute P, one with '..', or one inside .syncengine is exit 2 (SyncInvalidPath)");
        }
        sb.AppendLine();
        sb.AppendLine("SFTP (a SOURCE or DESTINATION of the form sftp://[user@]host[:port]/absolute/path):");
        sb.AppendLine("  --sftp-key FILE         private key file without a passphrase, repeatable (default: the");
        sb.AppendLine("                          ~/.ssh/id_ed25519, id_ecdsa and id_rsa that exist, unless a password is set)");
        sb.AppendLine("  --sftp-known-hosts FILE OpenSSH known_hosts file the host key is checked against");
        sb.AppendLine("                          (default ~/.ssh/known_hosts); an unknown or changed key is refused (exit 2)");
        sb.AppendLine("  --sftp-accept-new-host  add the key of a host the file does not list (never a changed key)");
        sb.AppendLine("  A password is read only from the SYNCENGINE_SFTP_PASSWORD environment variable: there is no");
        sb.AppendLine("  --sftp-password option, since a command line shows in process listings and shell history.");
        sb.AppendLine("  The user defaults to the local user name, as ssh's does.");
        sb.AppendLine();
        sb.AppendLine("S3 (a SOURCE or DESTINATION of the form s3://bucket[/prefix]; AWS, Ceph RGW, MinIO ...):");
        sb.AppendLine("  --s3-endpoint URL       the store's URL (default: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL,");
        sb.AppendLine("                          else AWS itself); path-style addressing for a custom endpoint");
        sb.AppendLine("  --s3-region REGION      the signing region (default: AWS_REGION, else AWS_DEFAULT_REGION, else");
        sb.AppendLine("                          us-east-1)");
        sb.AppendLine("  Credentials come from the AWS credential chain only (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,");
        sb.AppendLine("  AWS_SESSION_TOKEN, AWS_PROFILE, the shared credentials file): there is no option for a secret.");
        sb.AppendLine("  A missing bucket, refused credentials or an unreachable endpoint stop the run (exit 2).");
        sb.AppendLine();
        sb.AppendLine("At rest (the DESTINATION; plans and results show plaintext paths):");
        sb.AppendLine("  --encrypt               store it encrypted in rclone's crypt format (rclone with the same");
        sb.AppendLine("                          passwords reads it). Password from SYNCENGINE_CRYPT_PASSWORD, optional salt");
        sb.AppendLine("                          password from SYNCENGINE_CRYPT_PASSWORD2; never from a command line. A wrong");
        sb.AppendLine("                          password is refused before anything is written (exit 2, SyncCryptWrongKey)");
        sb.AppendLine("  --encrypt-names M       standard (default: names and folders encrypted) | off (names plain + .bin)");
        sb.AppendLine("  --compress zstd[:L]     store files that shrink as name.zst (zstd level L, 1-22, default 3),");
        sb.AppendLine("                          before encryption; others as they are");
        if (sync)
        {
            sb.AppendLine();
            sb.AppendLine("Options (sync only):");
            sb.AppendLine("  --force          let the sync pass the safety guards (mass deletion, emptied root) and do what");
            sb.AppendLine("                   the plan says: files the state recorded on a missing side count as deleted");
            sb.AppendLine("  --no-trash       delete and overwrite without keeping the old version in .syncengine/trash");
            sb.AppendLine("  --transfers N    concurrent copies, 1 to 1024 (default 4)");
            sb.AppendLine("  --operations N   concurrent deletes, renames and other operations, 1 to 1024 (default 8)");
            sb.AppendLine("  --bwlimit RATE   cap on the bytes all copies move per second together, as rsync and rclone have");
            sb.AppendLine("                   it: KiB/s by default, or with a unit B, K, M, G, T (500, 10M, 1.5MiB/s); 0 or off:");
            sb.AppendLine("                   no cap");
        }
    }

    private static void AppendTimes(StringBuilder sb)
    {
        sb.AppendLine("  A time T is a date or a date and time, 2024-01-15, 2024-01-15T14:30, 2024-01-15T14:30:00Z or");
        sb.AppendLine("  with an offset (+02:00); without a zone it is local time. Or an age: 90m, 2h, 3d ago.");
    }

    private static void AppendExitCodes(StringBuilder sb)
    {
        sb.AppendLine();
        sb.AppendLine("Exit codes:");
        sb.AppendLine("  0    done: the plan was printed, or every action succeeded");
        sb.AppendLine("  1    some actions failed (the others were applied), or an unexpected error");
        sb.AppendLine("  2    bad arguments or input: unknown option or value, missing source folder, malformed");
        sb.AppendLine("       .syncignore, state folder of another pair or of a newer version, unusable state folder,");
        sb.AppendLine("       SFTP host key unknown or changed (the message prints its SHA256 fingerprint), login refused,");
        sb.AppendLine("       S3 bucket missing, credentials refused or missing, endpoint unreachable");
        sb.AppendLine("  3    refused by a safety guard; nothing was changed (check the plan, then use --force)");
        sb.AppendLine("  4    conflicts left unresolved (for example with --conflict manual, or two names that differ only");
        sb.AppendLine("       in case toward a side that ignores case)");
        sb.AppendLine("  5    busy: another run holds the pair");
        sb.AppendLine("  6    some actions were stale (their files changed during the run) and were left for the next run");
        sb.AppendLine("  130  cancelled (Ctrl+C or 'syncengine stop'); finished actions were saved");
        sb.AppendLine("  143  stopped by SIGTERM; finished actions were saved");
    }

    /// <summary>The commands, for "did you mean" checks and tests.</summary>
    public static readonly string[] Commands = { "plan", "sync", "watch", "pause", "resume", "stop", "status", "history", "restore" };

    /// <summary>True for a known command name.</summary>
    public static bool IsCommand(string name) => Commands.Contains(name, StringComparer.Ordinal);
}
