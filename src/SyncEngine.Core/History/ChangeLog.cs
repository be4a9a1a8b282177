using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace SyncEngine.History;

/// <summary>
/// The pair's change log (<c>changes.jsonl</c> in the state folder): one JSON line per applied action, appended and
/// never rewritten by a sync. Lines are held back and written by the journal's barrier, after the sides' writes they
/// describe were made durable, so no line names a change the disk does not hold. See docs/history.md for the format.
/// </summary>
internal sealed class ChangeLog : IDisposable
{
    /// <summary>The file's name in the pair's state folder.</summary>
    public const string FileName = "changes.jsonl";

    /// <summary>The format version every line carries as <c>"v"</c>.</summary>
    public const int FormatVersion = 1;

    private readonly FileStream _stream;
    private readonly object _gate = new();
    private readonly string _runId;
    private List<byte[]> _pending = new();
    private int _sequence;
    private DateTime _lastTime = DateTime.MinValue;
    private bool _mayBeTorn;

    public ChangeLog(string stateDir, string runId)
    {
        _runId = runId;
        Directory.CreateDirectory(stateDir);
        _stream = Storage.EngineFile.Open(Path.Combine(stateDir, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
        try
        {
            // A killed run may have left a torn last line: end it, so this run's first line stands on its own.
            var length = _stream.Length;
            if (length > 0)
            {
                _stream.Position = length - 1;
                if (_stream.ReadByte() != '\n')
                {
                    _stream.Position = length;
                    _stream.WriteByte((byte)'\n');
                    EndedTornLine = true;
                }
            }

            _stream.Seek(0, SeekOrigin.End);
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    /// <summary>True when opening found a torn last line (a killed run's) and ended it.</summary>
    public bool EndedTornLine { get; }

    /// <summary>Holds back one line for an applied change; written by the next <see cref="WriteTaken"/>.</summary>
    public void Add(DateTime timeUtc, SyncSide side, ChangeKind kind, string path, string? previousPath, FileVersion? oldVersion, FileVersion? newVersion, string? keptPath)
    {
        var buffer = new MemoryStream(256);
        lock (_gate)
        {
            // Numbered, timed and queued under one lock, so the file's order is the order of the ids and of the
            // times (two workers that read the clock in one order and get here in the other never write times
            // that go back).
            var seq = ++_sequence;
            timeUtc = timeUtc.ToUniversalTime();
            if (timeUtc < _lastTime)
            {
                timeUtc = _lastTime;
            }

            _lastTime = timeUtc;
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteNumber("v", FormatVersion);
                w.WriteString("id", _runId + "." + seq.ToString(CultureInfo.InvariantCulture));
                w.WriteString("time", timeUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                w.WriteString("run", _runId);
                w.WriteString("side", SideName(side));
                w.WriteString("action", KindName(kind));
                w.WriteString("path", path);
                if (previousPath is not null)
                {
                    w.WriteString("from", previousPath);
                }

                WriteVersion(w, "old", oldVersion);
                WriteVersion(w, "new", newVersion);
                if (keptPath is not null)
                {
                    w.WriteStartObject("kept");
                    w.WriteString("side", SideName(side));
                    w.WriteString("path", keptPath);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteNull("kept");
                }

                w.WriteEndObject();
            }

            buffer.WriteByte((byte)'\n');
            _pending.Add(buffer.ToArray());
        }
    }

    /// <summary>Takes the lines held back so far (before the barrier makes their writes durable).</summary>
    public List<byte[]> Take()
    {
        lock (_gate)
        {
            var taken = _pending;
            _pending = new List<byte[]>();
            return taken;
        }
    }

    /// <summary>Appends taken lines and hands them to the operating system.</summary>
    public void WriteTaken(List<byte[]> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        lock (_stream)
        {
            try
            {
                if (_mayBeTorn)
                {
                    _stream.WriteByte((byte)'\n');
                    _mayBeTorn = false;
                }

                foreach (var line in lines)
                {
                    _stream.Write(line, 0, line.Length);
                }

                _stream.Flush();
            }
            catch
            {
                _mayBeTorn = true;
                throw;
            }
        }
    }

    /// <summary>Syncs the file to disk (the end of a run, as the journal).</summary>
    public void FlushToDisk()
    {
        lock (_stream)
        {
            _stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _stream.Dispose();

    internal static string SideName(SyncSide side) => side == SyncSide.Source ? "source" : "destination";

    internal static string KindName(ChangeKind kind) => kind switch
    {
        ChangeKind.Create => "create",
        ChangeKind.Update => "update",
        ChangeKind.Delete => "delete",
        ChangeKind.Rename => "rename",
        ChangeKind.Restore => "restore",
        _ => "unknown",
    };

    private static void WriteVersion(Utf8JsonWriter w, string name, FileVersion? v)
    {
        if (v is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        w.WriteNumber("size", v.Size);
        if (v.MtimeTicks >= DateTime.MinValue.Ticks && v.MtimeTicks <= DateTime.MaxValue.Ticks)
        {
            w.WriteString("mtime", new DateTime(v.MtimeTicks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull("mtime");
        }

        w.WriteNumber("ticks", v.MtimeTicks);
        if (v.Hash is not null)
        {
            w.WriteString("sha256", v.Hash);
        }
        else
        {
            w.WriteNull("sha256");
        }

        w.WriteEndObject();
    }
}

/// <summary>What an applied change did to a file on one side.</summary>
public enum ChangeKind
{
    /// <summary>A file was written where none was.</summary>
    Create,

    /// <summary>A file was replaced by another version.</summary>
    Update,

    /// <summary>A file was deleted (its version kept in the trash when the pair uses one).</summary>
    Delete,

    /// <summary>A file was renamed or moved (<see cref="SyncHistoryEntry.PreviousPath"/> to <see cref="SyncHistoryEntry.Path"/>).</summary>
    Rename,

    /// <summary>A kept version was restored (a restore run); the version it replaced, if any, is kept too.</summary>
    Restore,
}
