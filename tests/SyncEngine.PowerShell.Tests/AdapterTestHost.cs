using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

/// <summary>Records what the pipeline asks of a cmdlet, in order, and on which thread; answers ShouldProcess as told.</summary>
internal sealed class FakeHost : ICmdletHost
{
    private readonly int _threadId = Environment.CurrentManagedThreadId;

    public Func<string, string, bool> Answer { get; set; } = (_, _) => true;

    /// <summary>Called after a ShouldProcess call is recorded (before answering).</summary>
    public Action<string, string>? OnShouldProcess { get; set; }

    public Action<object>? OnWriteObject { get; set; }

    public Action<ProgressInfo>? OnWriteProgress { get; set; }

    public List<(string Target, string Action)> ShouldProcessCalls { get; } = new();

    public List<object> Objects { get; } = new();

    public List<ErrorRecordInfo> Errors { get; } = new();

    public List<ProgressInfo> Progress { get; } = new();

    public List<string> Warnings { get; } = new();

    public List<string> Verbose { get; } = new();

    public List<string> Debug { get; } = new();

    /// <summary>Every call, in order: "ShouldProcess:target", "Object:...", "Error:id", "Warning:text", "Progress:...".</summary>
    public List<string> Log { get; } = new();

    public bool CalledFromOtherThread { get; private set; }

    public bool IsStopping { get; set; }

    public IEnumerable<SyncResult> Results => Objects.OfType<SyncResult>();

    public bool ShouldProcess(string target, string action)
    {
        Touch();
        ShouldProcessCalls.Add((target, action));
        Log.Add("ShouldProcess:" + target);
        OnShouldProcess?.Invoke(target, action);
        return Answer(target, action);
    }

    public void WriteObject(object sendToPipeline)
    {
        Touch();
        Objects.Add(sendToPipeline);
        Log.Add("Object:" + (sendToPipeline is SyncResult r ? ShouldProcessText.Target(r.ActionItem) : sendToPipeline.ToString()));
        OnWriteObject?.Invoke(sendToPipeline);
    }

    public void WriteError(ErrorRecordInfo error)
    {
        Touch();
        Errors.Add(error);
        Log.Add("Error:" + error.ErrorId);
    }

    public void WriteProgress(ProgressInfo progress)
    {
        Touch();
        Progress.Add(progress);
        Log.Add("Progress:" + progress);
        OnWriteProgress?.Invoke(progress);
    }

    public void WriteWarning(string text)
    {
        Touch();
        Warnings.Add(text);
        Log.Add("Warning:" + text);
    }

    public void WriteVerbose(string text)
    {
        Touch();
        Verbose.Add(text);
    }

    public void WriteDebug(string text)
    {
        Touch();
        Debug.Add(text);
    }

    private void Touch()
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            CalledFromOtherThread = true;
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class FakeClock : IClock
{
    public TimeSpan Elapsed { get; set; }

    public void Advance(TimeSpan by) => Elapsed += by;

    public void AdvanceMs(double ms) => Elapsed += TimeSpan.FromMilliseconds(ms);
}

/// <summary>Waits for a condition with a generous timeout (never asserts on time itself).</summary>
internal static class Eventually
{
    public static bool True(Func<bool> condition, int timeoutMs = 20000)
    {
        var deadline = Environment.TickCount + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount - deadline > 0)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }
}
