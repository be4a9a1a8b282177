using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace SyncEngine.State;

/// <summary>
/// The lock that stops two runs of one pair at once: a file in the state folder held open exclusively for the run
/// (the OS releases it if the process dies, so a crash never leaves the pair locked). Who holds it is written to
/// <c>run.json</c> beside it, for messages and for Get-SyncStatus.
/// </summary>
internal sealed class PairLock : IDisposable
{
    public const string LockFile = "lock";
    public const string RunFile = "run.json";

    private readonly FileStream _stream;
    private readonly string _stateDir;

    private PairLock(FileStream stream, string stateDir)
    {
        _stream = stream;
        _stateDir = stateDir;
    }

    public static PairLock Acquire(string stateDir, string pairName, string runId)
    {
        try
        {
            Directory.CreateDirectory(stateDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SyncEngineException("SyncStateFolderUnavailable", SyncErrorKind.PermissionDenied, $"The state folder '{stateDir}' cannot be created: {ex.Message}", stateDir, ex);
        }

        FileStream stream;
        try
        {
            stream = OpenExclusive(Path.Combine(stateDir, LockFile));
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SyncEngineException("SyncStateFolderUnavailable", SyncErrorKind.PermissionDenied, $"The state folder '{stateDir}' is not writable: {ex.Message}", stateDir, ex);
        }
        catch (IOException ex) when (!CanWriteIn(stateDir))
        {
            throw new SyncEngineException("SyncStateFolderUnavailable", SyncErrorKind.PermissionDenied, $"The state folder '{stateDir}' is not writable: {ex.Message}", stateDir, ex);
        }
        catch (IOException ex)
        {
            var holder = ReadRunInfo(stateDir);
            var who = holder is null ? "another run" : $"another run (process {holder.ProcessId}, started {holder.StartedUtc:u})";
            throw new SyncEngineException("SyncPairLocked", SyncErrorKind.ResourceBusy, $"The pair '{pairName}' is being synced by {who}; state folder '{stateDir}'.", stateDir, ex);
        }

        var held = new PairLock(stream, stateDir);
        try
        {
            WriteRunInfo(stateDir, new RunInfo { ProcessId = CurrentPid(), StartedUtc = DateTime.UtcNow, RunId = runId, PairName = pairName });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            throw new SyncEngineException("SyncStateFolderUnavailable", SyncErrorKind.PermissionDenied, $"The state folder '{stateDir}' is not writable: {ex.Message}", stateDir, ex);
        }

        return held;
    }

    /// <summary>
    /// Opens the lock file exclusively. A status probe (<see cref="IsHeld"/>) holds it for an instant, so a busy
    /// answer is retried for a moment before it counts as another run.
    /// </summary>
    private static FileStream OpenExclusive(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return Storage.EngineFile.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 10)
            {
                System.Threading.Thread.Sleep(50);
            }
        }
    }

    /// <summary>Whether a file can be created in the folder (tells a read-only state folder from a held lock).</summary>
    private static bool CanWriteIn(string folder)
    {
        var probe = Path.Combine(folder, "write-probe.tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True when some run (in any process, this one included) holds the lock.</summary>
    public static bool IsHeld(string stateDir)
    {
        var path = Path.Combine(stateDir, LockFile);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = Storage.EngineFile.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static int CurrentPid()
    {
        using var p = Process.GetCurrentProcess();
        return p.Id;
    }

    public void SetPaused(bool paused)
    {
        var info = ReadRunInfo(_stateDir);
        if (info is not null)
        {
            info.Paused = paused;
            try
            {
                WriteRunInfo(_stateDir, info);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    public sealed class RunInfo
    {
        public int ProcessId { get; set; }

        public DateTime StartedUtc { get; set; }

        public string RunId { get; set; } = "";

        public string PairName { get; set; } = "";

        public bool Paused { get; set; }
    }

    public static RunInfo? ReadRunInfo(string stateDir)
    {
        try
        {
            var path = Path.Combine(stateDir, RunFile);
            if (!File.Exists(path))
            {
                return null;
            }

            using var doc = JsonDocument.Parse(Storage.EngineFile.ReadAllBytes(path));
            var r = doc.RootElement;
            return new RunInfo
            {
                ProcessId = r.GetProperty("pid").GetInt32(),
                StartedUtc = DateTime.Parse(r.GetProperty("startedUtc").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                RunId = r.GetProperty("runId").GetString() ?? "",
                PairName = r.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
                Paused = r.TryGetProperty("paused", out var p) && p.GetBoolean(),
            };
        }
        catch (Exception ex) when (ex is IOException or JsonException or FormatException or InvalidOperationException or UnauthorizedAccessException or System.Collections.Generic.KeyNotFoundException)
        {
            return null;
        }
        catch (SyncEngineException ex) when (ex.ErrorId == Storage.EngineFile.NotRegularErrorId)
        {
            return null; // who holds the lock is only shown; the run writes the file anew (replacing what is there)
        }
    }

    private static void WriteRunInfo(string stateDir, RunInfo info) =>
        StateStore.WriteAtomically(Path.Combine(stateDir, RunFile), w =>
        {
            w.WriteStartObject();
            w.WriteNumber("pid", info.ProcessId);
            w.WriteString("startedUtc", info.StartedUtc.ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("runId", info.RunId);
            w.WriteString("name", info.PairName);
            w.WriteBoolean("paused", info.Paused);
            w.WriteEndObject();
        });

    public void Dispose()
    {
        try
        {
            File.Delete(Path.Combine(_stateDir, RunFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        _stream.Dispose();
    }
}
