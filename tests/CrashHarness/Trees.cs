using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SyncEngine.CrashHarness;

/// <summary>File-tree chores of the harness: generate, change, hash, snapshot by hard links, list.</summary>
internal static class Trees
{
    public static readonly DateTime BaseTime = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Relative '/'-path → SHA-256 of every file under a root, the engine's top-level folder excluded (temporary files included).</summary>
    public static SortedDictionary<string, string> Map(string root)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root))
        {
            return map;
        }

        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var rel = Rel(root, f);
            if (rel.StartsWith(".syncengine/", StringComparison.Ordinal))
            {
                continue;
            }

            map[rel] = Sha(f);
        }

        return map;
    }

    /// <summary>Every content (SHA-256) under a root, trash and conflict copies included, the engine's bookkeeping files not.</summary>
    public static void AddContents(string root, HashSet<string> into)
    {
        var where = new Dictionary<string, string>(StringComparer.Ordinal);
        AddContents(root, where);
        into.UnionWith(where.Keys);
    }

    /// <summary>As <see cref="AddContents(string, HashSet{string})"/>, with one place (root-relative path) each content was found at, for a failure's message.</summary>
    public static void AddContents(string root, Dictionary<string, string> where)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(f).StartsWith(Storage.PathRules.TempPrefix, StringComparison.Ordinal))
            {
                continue; // an unfinished copy is not content anybody had
            }

            var rel = Rel(root, f);
            if (rel.StartsWith(Storage.PathRules.EngineFolder + "/", StringComparison.Ordinal)
                && !rel.StartsWith(Storage.PathRules.EngineFolder + "/trash/", StringComparison.Ordinal))
            {
                continue; // the engine's own bookkeeping (the trash ledger, markers) is rewritten by every run: not a user's content
            }

            where.TryAdd(Sha(f), Path.GetFileName(root) + "/" + rel);
        }
    }

    public static string Sha(string file)
    {
        using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        return Convert.ToHexString(SHA256.HashData(s));
    }

    public static string Rel(string root, string full) => Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');

    public static string Full(string root, string rel) => Path.Combine(root, rel.Replace('/', Path.DirectorySeparatorChar));

    public static void Write(string root, string rel, byte[] content, DateTime mtime)
    {
        var path = Full(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, mtime);
    }

    public static List<string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Rel(root, f))
            .Where(r => !r.StartsWith(".syncengine/", StringComparison.Ordinal))
            .OrderBy(r => r, StringComparer.Ordinal)
            .ToList();

    /// <summary>A listing of a folder (path, size, mtime), leaving out the named top-level entries.</summary>
    public static List<string> Listing(string root, params string[] except)
    {
        var result = new List<string>();
        foreach (var p in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var rel = Rel(root, p);
            var top = rel.Split('/')[0];
            if (except.Contains(top))
            {
                continue;
            }

            result.Add(File.Exists(p) ? $"{rel} {new FileInfo(p).Length} {File.GetLastWriteTimeUtc(p).Ticks}" : rel + "/");
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// Copies a tree with every file hard-linked (same inode, so the state's file identities still match after the copy is
    /// moved back into place). The engine never changes an existing file's bytes or time in place (it writes a temporary
    /// file and renames it), so the linked copy keeps the pre-run content whatever a run does to the original.
    /// </summary>
    public static void LinkCopy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        }

        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, f));
            if (!HardLink(f, target))
            {
                File.Copy(f, target);
                File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(f));
            }
        }
    }

    /// <summary>A full byte copy (for the state folder, whose journal is appended in place).</summary>
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        }

        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, f));
            File.Copy(f, target);
            File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(f));
        }
    }

    private static bool HardLink(string existing, string link)
    {
        if (OperatingSystem.IsWindows())
        {
            return CreateHardLinkW(link, existing, IntPtr.Zero);
        }

        try
        {
            return UnixLink(existing, link) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int UnixLink([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool CreateHardLinkW(string newName, string existing, IntPtr security);
}

/// <summary>Seeded random content and changes.</summary>
internal sealed class TreeMaker
{
    private static readonly string[] Words = { "alpha", "beta", "docs", "photos", "src", "notes", "2024", "archive", "team", "misc", "music", "data" };
    private readonly Random _rng;
    private int _serial;
    private long _clock;

    public TreeMaker(int seed) => _rng = new Random(seed);

    /// <summary>Largest file the maker writes (<c>--max-file-mib</c>; replays must pass the same value).</summary>
    public static int MaxFileBytes { get; set; } = int.MaxValue;

    public Random Rng => _rng;

    /// <summary>A fresh modification time, at least ten seconds after every earlier one (never blurred by the ±2 s tolerance).</summary>
    public DateTime NextTime() => Trees.BaseTime.AddSeconds(10 * ++_clock);

    /// <summary>Unique content: a serial number, then random bytes. Some files are large so kills land mid-copy.</summary>
    public byte[] Content(bool allowLarge = true)
    {
        int size;
        var roll = _rng.NextDouble();
        if (allowLarge && roll < 0.004)
        {
            size = _rng.Next(4 << 20, 24 << 20);
        }
        else if (allowLarge && roll < 0.0045)
        {
            // Above the engine's 32 MiB hash-while-copying limit: the in-kernel copy path.
            size = _rng.Next(33 << 20, 72 << 20);
        }
        else if (roll < 0.03)
        {
            size = _rng.Next(64 << 10, 1 << 20);
        }
        else if (roll < 0.04)
        {
            size = 0;
        }
        else
        {
            size = _rng.Next(16, 6000);
        }

        var bytes = new byte[Math.Min(Math.Max(size, 0), MaxFileBytes)];
        _rng.NextBytes(bytes);
        var tag = BitConverter.GetBytes(++_serial);
        if (bytes.Length >= 8)
        {
            Array.Copy(tag, bytes, 4);
        }

        return bytes;
    }

    public string NewPath()
    {
        var depth = _rng.Next(0, 4);
        var parts = new List<string>();
        for (var i = 0; i < depth; i++)
        {
            parts.Add(Words[_rng.Next(Words.Length)] + (_rng.Next(3) == 0 ? _rng.Next(10).ToString(System.Globalization.CultureInfo.InvariantCulture) : ""));
        }

        parts.Add($"f{++_serial:x5}{(_rng.Next(4) == 0 ? "" : "." + Words[_rng.Next(Words.Length)].Substring(0, 3))}");
        return string.Join("/", parts);
    }

    public T Pick<T>(IReadOnlyList<T> list) => list[_rng.Next(list.Count)];
}
