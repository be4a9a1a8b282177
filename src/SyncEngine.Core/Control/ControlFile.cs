using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using SyncEngine.State;

namespace SyncEngine.Control;

/// <summary>
/// Reaches a run in another process (a scheduled task) through <c>control.json</c> in the pair's state folder,
/// written atomically. A running sync polls it and applies each new request once.
/// </summary>
public static class ControlFile
{
    /// <summary>The control file's name in the state folder.</summary>
    public const string FileName = "control.json";

    /// <summary>Writes a request for whatever run holds the pair. Returns false when no run holds it.</summary>
    public static bool Request(string stateDir, ControlRequest request)
    {
        if (!Directory.Exists(stateDir))
        {
            throw new SyncEngineException("SyncStateFolderNotFound", SyncErrorKind.NotFound, $"The state folder '{stateDir}' does not exist.", stateDir);
        }

        StateStore.WriteAtomically(Path.Combine(stateDir, FileName), w =>
        {
            w.WriteStartObject();
            w.WriteString("request", request.ToString());
            w.WriteString("id", Guid.NewGuid().ToString("N"));
            w.WriteString("atUtc", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture));
            w.WriteNumber("byPid", PairLock.CurrentPid());
            w.WriteEndObject();
        });
        return PairLock.IsHeld(stateDir);
    }

    /// <summary>Reads the current request: its id and kind, or null.</summary>
    internal static (string Id, ControlRequest Request)? Read(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            using var doc = JsonDocument.Parse(Storage.EngineFile.ReadAllBytes(path));
            var root = doc.RootElement;
            var id = root.GetProperty("id").GetString() ?? "";
            if (!Enum.TryParse<ControlRequest>(root.GetProperty("request").GetString(), out var req))
            {
                return null;
            }

            return (id, req);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException or System.Collections.Generic.KeyNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>Reads a pair's status from its state folder.</summary>
public static class SyncStatusReader
{
    /// <summary>Running, paused or idle; the running run's process and start; the last run's outcome and counts.</summary>
    public static SyncStatusInfo Read(string stateDir)
    {
        var held = Directory.Exists(stateDir) && PairLock.IsHeld(stateDir);
        var run = held ? PairLock.ReadRunInfo(stateDir) : null;
        var status = new SyncStatusInfo { StatePath = stateDir, State = held ? (run?.Paused == true ? SyncRunState.Paused : SyncRunState.Running) : SyncRunState.Idle };
        var metaPath = Path.Combine(stateDir, StateStore.MetadataFile);
        string name = run?.PairName ?? "";
        DateTime? last = null;
        string? outcome = null;
        int ok = 0, failed = 0, skipped = 0, files = 0;
        try
        {
            if (File.Exists(metaPath))
            {
                using var doc = JsonDocument.Parse(Storage.EngineFile.ReadAllBytes(metaPath));
                var r = doc.RootElement;
                if (r.TryGetProperty("name", out var n) && name.Length == 0)
                {
                    name = n.GetString() ?? "";
                }

                if (r.TryGetProperty("lastRunUtc", out var l))
                {
                    last = DateTime.Parse(l.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                }

                if (r.TryGetProperty("lastOutcome", out var o))
                {
                    outcome = o.GetString();
                }

                if (r.TryGetProperty("lastCounts", out var c) && c.GetArrayLength() == 3)
                {
                    ok = c[0].GetInt32();
                    failed = c[1].GetInt32();
                    skipped = c[2].GetInt32();
                }

                if (r.TryGetProperty("files", out var f))
                {
                    files = f.GetInt32();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            outcome = "Unknown (state unreadable)";
        }

        return new SyncStatusInfo
        {
            PairName = name,
            StatePath = stateDir,
            State = status.State,
            ProcessId = run?.ProcessId,
            StartedUtc = run?.StartedUtc,
            LastRunUtc = last,
            LastOutcome = outcome,
            LastSucceeded = ok,
            LastFailed = failed,
            LastSkipped = skipped,
            TrackedFiles = files,
        };
    }
}
