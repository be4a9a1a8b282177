using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using SyncEngine.Storage;

namespace SyncEngine.State;

/// <summary>
/// The pair's record of runs that may have left temporary files on its sides: <c>temp_runs.json</c> in the state
/// folder, <c>{"format":1,"runs":["run tag",…]}</c>. A run adds its tag, durably (file and folder synced), before it
/// writes its first temporary file, and removes it once it ended normally; a killed run's tag stays, so the next run
/// knows exactly which temporary names are leftovers it may remove (<see cref="TemporaryNames"/>). The record is
/// changed only under the pair's lock.
/// </summary>
internal static class TempRecord
{
    public const string FileName = "temp_runs.json";

    /// <summary>The run tags the record lists; none when it is missing or cannot be read (then no name is a leftover).</summary>
    public static List<string> Read(string stateDir)
    {
        var runs = new List<string>();
        var path = Path.Combine(stateDir, FileName);
        try
        {
            if (!File.Exists(path))
            {
                return runs;
            }

            using var doc = JsonDocument.Parse(EngineFile.ReadAllBytes(path));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("runs", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var tag in list.EnumerateArray())
                {
                    if (tag.ValueKind == JsonValueKind.String && tag.GetString() is { Length: > 0 } s)
                    {
                        runs.Add(s);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // Unreadable: nothing counts as a leftover, so nothing is removed (a leftover is then listed as a file).
        }

        return runs;
    }

    /// <summary>Adds a run tag and makes the record durable before returning.</summary>
    public static void Add(string stateDir, string runTag)
    {
        var runs = Read(stateDir);
        if (!runs.Contains(runTag))
        {
            runs.Add(runTag);
        }

        Write(stateDir, runs);
    }

    /// <summary>Removes run tags whose temporary files are gone (a run that ended, leftovers that were removed).</summary>
    public static void Remove(string stateDir, IEnumerable<string> runTags)
    {
        var runs = Read(stateDir);
        var before = runs.Count;
        foreach (var tag in runTags)
        {
            runs.Remove(tag);
        }

        if (runs.Count != before)
        {
            Write(stateDir, runs);
        }
    }

    private static void Write(string stateDir, List<string> runs)
    {
        Directory.CreateDirectory(stateDir);
        StateStore.WriteAtomically(Path.Combine(stateDir, FileName), w =>
        {
            w.WriteStartObject();
            w.WriteNumber("format", 1);
            w.WriteStartArray("runs");
            foreach (var tag in runs)
            {
                w.WriteStringValue(tag);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        NativeFs.TrySyncFolderByPath(stateDir);
    }
}
