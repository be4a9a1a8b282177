using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using SyncEngine.Control;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>Something that runs syncs and can be paused, resumed and stopped (a pipeline, or the job that owns one).</summary>
internal interface IRunControl
{
    /// <summary>Starts no new actions until resumed; running transfers finish.</summary>
    void Pause();

    /// <summary>Lets new actions start again.</summary>
    void Resume();

    /// <summary>Stops: running actions finish, no new ones start, what finished is saved.</summary>
    void Stop();

    /// <summary>
    /// Resumes, and lets a watch apply the batch a safety guard refused, once, past the guards (Resume-Sync -Force).
    /// A run that is not a watch only resumes: its guard already ended it.
    /// </summary>
    void Force();

    /// <summary>True while paused.</summary>
    bool IsPaused { get; }
}

/// <summary>A run in this process, found by its pair's state folder.</summary>
internal sealed class RunHandle
{
    public RunHandle(string statePath, string pairName, IRunControl control, DateTime startedUtc)
    {
        StatePath = statePath;
        PairName = pairName;
        Control = control;
        StartedUtc = startedUtc;
    }

    public string StatePath { get; }

    public string PairName { get; }

    public IRunControl Control { get; }

    public DateTime StartedUtc { get; }
}

/// <summary>The runs going on in this process (every runspace), by state folder: what Suspend-Sync and friends reach directly.</summary>
internal static class RunRegistry
{
    private static readonly ConcurrentDictionary<string, RunHandle> Runs = new(PathComparer);

    /// <summary>Compares state folder paths the way the platform's file system usually does.</summary>
    public static StringComparer PathComparer =>
        Path.DirectorySeparatorChar == '\\' || RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Full path without a trailing separator.</summary>
    public static string Normalize(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

    /// <summary>Registers a run; dispose the result when it ends.</summary>
    public static IDisposable Register(string statePath, string pairName, IRunControl control)
    {
        var key = Normalize(statePath);
        var handle = new RunHandle(key, pairName, control, DateTime.UtcNow);
        Runs[key] = handle;
        return new Registration(key, handle);
    }

    /// <summary>Finds the run of a state folder in this process.</summary>
    public static bool TryGet(string statePath, out RunHandle handle) => Runs.TryGetValue(Normalize(statePath), out handle!);

    /// <summary>Every run in this process.</summary>
    public static IReadOnlyList<RunHandle> All => new List<RunHandle>(Runs.Values);

    private sealed class Registration : IDisposable
    {
        private readonly string _key;
        private readonly RunHandle _handle;

        public Registration(string key, RunHandle handle)
        {
            _key = key;
            _handle = handle;
        }

        public void Dispose() => ((ICollection<KeyValuePair<string, RunHandle>>)Runs).Remove(new KeyValuePair<string, RunHandle>(_key, _handle));
    }
}

/// <summary>How a pause, resume or stop request reached its run.</summary>
internal enum ControlOutcome
{
    /// <summary>A run in this process took it at once.</summary>
    InProcess,

    /// <summary>A run in another process holds the pair; the request was written to its control file.</summary>
    OtherProcess,

    /// <summary>No run holds the pair; nothing was written.</summary>
    NotRunning,
}

/// <summary>Pauses, resumes or stops the run of a pair, in this process or another (Suspend-Sync, Resume-Sync, Stop-Sync).</summary>
internal static class RunControl
{
    /// <summary>Sends a request to whatever run holds the pair whose state folder is <paramref name="statePath"/>.</summary>
    public static ControlOutcome Request(string statePath, ControlRequest request)
    {
        if (RunRegistry.TryGet(statePath, out var handle))
        {
            switch (request)
            {
                case ControlRequest.Pause:
                    handle.Control.Pause();
                    break;
                case ControlRequest.Resume:
                    handle.Control.Resume();
                    break;
                case ControlRequest.Force:
                    handle.Control.Force();
                    break;
                default:
                    handle.Control.Stop();
                    break;
            }

            return ControlOutcome.InProcess;
        }

        if (SyncStatusReader.Read(statePath).State == SyncRunState.Idle)
        {
            return ControlOutcome.NotRunning;
        }

        return ControlFile.Request(statePath, request) ? ControlOutcome.OtherProcess : ControlOutcome.NotRunning;
    }

    /// <summary>The error for a pair that no run holds.</summary>
    public static ErrorRecordInfo NotRunningError(string pairName, string statePath, ControlRequest request)
    {
        var verb = request switch
        {
            ControlRequest.Pause => "pause",
            ControlRequest.Resume or ControlRequest.Force => "resume",
            _ => "stop",
        };
        var ex = new SyncEngineException(ModuleErrorIds.NotRunning, SyncErrorKind.NotFound,
            $"Cannot {verb} '{pairName}': no sync of this pair is running (state folder '{statePath}').", statePath);
        return new ErrorRecordInfo(ModuleErrorIds.NotRunning, PsErrorCategory.InvalidOperation, ex, pairName);
    }
}

/// <summary>Status objects for Get-SyncStatus and -PassThru.</summary>
internal static class PairStatus
{
    /// <summary>The status of the pair whose state folder is <paramref name="statePath"/>, named <paramref name="name"/> when its state records no name.</summary>
    public static SyncStatusInfo Read(string name, string statePath)
    {
        var status = SyncStatusReader.Read(statePath);
        if (!string.IsNullOrEmpty(status.PairName) || string.IsNullOrEmpty(name))
        {
            return status;
        }

        return new SyncStatusInfo
        {
            PairName = name,
            StatePath = status.StatePath,
            State = status.State,
            ProcessId = status.ProcessId,
            StartedUtc = status.StartedUtc,
            LastRunUtc = status.LastRunUtc,
            LastOutcome = status.LastOutcome,
            LastSucceeded = status.LastSucceeded,
            LastFailed = status.LastFailed,
            LastSkipped = status.LastSkipped,
            TrackedFiles = status.TrackedFiles,
        };
    }

    /// <summary>
    /// Waits until the status shows <paramref name="expected"/> or the time is up (a run in another process polls its
    /// control file a few times a second). Returns the last status read.
    /// </summary>
    public static SyncStatusInfo WaitFor(string name, string statePath, Func<SyncRunState, bool> expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = Read(name, statePath);
            if (expected(status.State) || DateTime.UtcNow >= deadline)
            {
                return status;
            }

            System.Threading.Thread.Sleep(50);
        }
    }
}
