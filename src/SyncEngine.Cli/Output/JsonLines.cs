using System;
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SyncEngine.Control;

namespace SyncEngine.Cli.Output;

/// <summary>
/// Renders the CLI's JSON lines (one object per line) with <see cref="Utf8JsonWriter"/>. Not thread-safe: the
/// printer calls it under its lock. Paths are relative and '/'-separated, times ISO 8601 UTC, sizes in bytes.
/// </summary>
internal sealed class JsonLines
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Output goes to files and pipes, never into HTML: keep non-ASCII file names readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;

    public JsonLines()
    {
        _writer = new Utf8JsonWriter(_buffer, Options);
    }

    /// <summary>A planned action: action, path, previousPath, reason, sizes, times, conflict (and conflictCopyPath).</summary>
    public string Action(SyncAction action)
    {
        Begin();
        _writer.WriteStartObject();
        WriteActionFields(action);
        _writer.WriteEndObject();
        return End();
    }

    /// <summary>An executed action: the action's fields plus status, bytes, error and errorId.</summary>
    public string Result(SyncResult result)
    {
        Begin();
        _writer.WriteStartObject();
        WriteActionFields(result.ActionItem);
        _writer.WriteString("status", result.Status.ToString());
        _writer.WriteNumber("bytes", result.Bytes);
        WriteNullableString("error", result.Error);
        WriteNullableString("errorId", result.ErrorId);
        _writer.WriteEndObject();
        return End();
    }

    /// <summary>The run's last line: <c>{"summary":{…}}</c>.</summary>
    public string Summary(SyncSummary summary, int exitCode)
    {
        Begin();
        _writer.WriteStartObject();
        _writer.WriteStartObject("summary");
        _writer.WriteString("pair", summary.PairName);
        _writer.WriteString("runId", summary.RunId);
        WriteCounts(summary);
        _writer.WriteString("startedUtc", Utc(summary.StartedUtc));
        _writer.WriteBoolean("cancelled", summary.Cancelled);
        _writer.WriteNumber("exitCode", exitCode);
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        return End();
    }

    /// <summary>A watch batch's line: <c>{"batch":{"number":N,"full":…,"succeeded":…}}</c>.</summary>
    public string Batch(SyncSummary summary, int number, bool full)
    {
        Begin();
        _writer.WriteStartObject();
        _writer.WriteStartObject("batch");
        _writer.WriteNumber("number", number);
        _writer.WriteBoolean("full", full);
        _writer.WriteString("runId", summary.RunId);
        WriteCounts(summary);
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        return End();
    }

    /// <summary>The outcome and counts a run's summary and a watch batch's line share, in that order.</summary>
    private void WriteCounts(SyncSummary summary)
    {
        _writer.WriteString("outcome", summary.Outcome);
        _writer.WriteNumber("succeeded", summary.Succeeded);
        _writer.WriteNumber("failed", summary.Failed);
        _writer.WriteNumber("skipped", summary.Skipped);
        _writer.WriteNumber("stale", summary.Stale);
        _writer.WriteNumber("conflicts", summary.Conflicts);
        _writer.WriteNumber("bytes", summary.BytesTransferred);
        _writer.WriteNumber("seconds", Math.Round(summary.Duration.TotalSeconds, 3));
    }

    /// <summary>A watch's last line: <c>{"watchEnd":{"batches":N,"reason":"stop|interrupt|SIGTERM","exitCode":…}}</c>.</summary>
    public string WatchEnd(int batches, string reason, int exitCode)
    {
        Begin();
        _writer.WriteStartObject();
        _writer.WriteStartObject("watchEnd");
        _writer.WriteNumber("batches", batches);
        _writer.WriteString("reason", reason);
        _writer.WriteNumber("exitCode", exitCode);
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        return End();
    }

    /// <summary>A pair's status (<c>syncengine status --json</c>).</summary>
    public string Status(SyncStatusInfo status)
    {
        Begin();
        _writer.WriteStartObject();
        _writer.WriteString("pair", status.PairName);
        _writer.WriteString("statePath", status.StatePath);
        _writer.WriteString("state", status.State.ToString());
        WriteNullableNumber("processId", status.ProcessId);
        WriteNullableTime("startedUtc", status.StartedUtc);
        WriteNullableTime("lastRunUtc", status.LastRunUtc);
        WriteNullableString("lastOutcome", status.LastOutcome);
        _writer.WriteNumber("lastSucceeded", status.LastSucceeded);
        _writer.WriteNumber("lastFailed", status.LastFailed);
        _writer.WriteNumber("lastSkipped", status.LastSkipped);
        _writer.WriteNumber("trackedFiles", status.TrackedFiles);
        _writer.WriteEndObject();
        return End();
    }

    /// <summary>One change of the history: the change log's fields (docs/history.md) and the pair's name.</summary>
    public string HistoryEntry(History.SyncHistoryEntry e)
    {
        Begin();
        _writer.WriteStartObject();
        _writer.WriteString("id", e.Id);
        _writer.WriteString("time", Utc(e.TimeUtc));
        _writer.WriteString("run", e.RunId);
        WriteNullableString("pair", e.PairName);
        _writer.WriteString("side", History.SyncHistory.SideName(e.Side));
        _writer.WriteString("action", History.SyncHistory.ActionName(e.Action));
        _writer.WriteString("path", e.Path);
        WriteNullableString("from", e.PreviousPath);
        WriteHistoryVersion("old", e.OldVersion);
        WriteHistoryVersion("new", e.NewVersion);
        if (e.KeptPath is not null && e.KeptSide is { } keptSide)
        {
            _writer.WriteStartObject("kept");
            _writer.WriteString("side", History.SyncHistory.SideName(keptSide));
            _writer.WriteString("path", e.KeptPath);
            _writer.WriteEndObject();
        }
        else
        {
            _writer.WriteNull("kept");
        }

        _writer.WriteEndObject();
        return End();
    }

    private void WriteHistoryVersion(string name, History.HistoryVersion? v)
    {
        if (v is null)
        {
            _writer.WriteNull(name);
            return;
        }

        _writer.WriteStartObject(name);
        _writer.WriteNumber("size", v.Size);
        WriteNullableTime("mtime", v.LastWriteTimeUtc);
        _writer.WriteNumber("ticks", v.MtimeTicks);
        WriteNullableString("sha256", v.Sha256);
        _writer.WriteEndObject();
    }

    private void WriteActionFields(SyncAction a)
    {
        _writer.WriteString("action", a.Action.ToString());
        _writer.WriteString("path", a.RelativePath);
        WriteNullableString("previousPath", a.PreviousPath);
        _writer.WriteString("reason", a.Reason ?? "");
        WriteNullableNumber("sourceSize", a.SourceSize);
        WriteNullableNumber("destinationSize", a.DestinationSize);
        WriteNullableTime("sourceModified", a.SourceModified);
        WriteNullableTime("destinationModified", a.DestinationModified);
        _writer.WriteBoolean("conflict", a.IsConflict);
        WriteNullableString("conflictCopyPath", a.ConflictCopyPath);
    }

    private void WriteNullableString(string name, string? value)
    {
        if (value is null)
        {
            _writer.WriteNull(name);
        }
        else
        {
            _writer.WriteString(name, value);
        }
    }

    private void WriteNullableNumber(string name, long? value)
    {
        if (value is null)
        {
            _writer.WriteNull(name);
        }
        else
        {
            _writer.WriteNumber(name, value.Value);
        }
    }

    private void WriteNullableTime(string name, DateTime? value)
    {
        if (value is null)
        {
            _writer.WriteNull(name);
        }
        else
        {
            _writer.WriteString(name, Utc(value.Value));
        }
    }

    /// <summary>The engine's times are UTC; one marked Unspecified is taken as UTC, never as local time.</summary>
    private static DateTime Utc(DateTime value) =>
        value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    private string End()
    {
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}
