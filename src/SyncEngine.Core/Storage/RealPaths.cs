using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace SyncEngine.Storage;

/// <summary>
/// The real path of a folder: full, with every symbolic link (and, on Windows, junction) resolved, so two names of
/// one folder compare equal. A path that does not exist yet (a destination the first sync creates) resolves its
/// nearest existing ancestor and keeps the rest as written. Where resolution is not possible the full path is used.
/// </summary>
internal static class RealPaths
{
    private static readonly bool IsWindows = Path.DirectorySeparatorChar == '\\';

    /// <summary>Resolves <paramref name="path"/> (relative paths against the current folder).</summary>
    public static string Resolve(string path)
    {
        var full = Trim(Path.GetFullPath(path));
        var existing = full;
        var rest = "";
        while (!Directory.Exists(existing) && !File.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (string.IsNullOrEmpty(parent))
            {
                return full;
            }

            var leaf = Path.GetFileName(existing);
            rest = rest.Length == 0 ? leaf : Path.Combine(leaf, rest);
            existing = parent!;
        }

        var resolved = (IsWindows ? FinalPathWindows(existing) : RealPathUnix(existing)) ?? existing;
        return rest.Length == 0 ? Trim(resolved) : Path.Combine(Trim(resolved), rest);
    }

    /// <summary>Device and inode of a folder (Linux), for names of one folder that no link explains (bind mounts).</summary>
    public static (ulong Device, ulong Inode)? Identity(string path) =>
        NativeFs.TryLStat(path, out var st) && st.Exists && st.IsDirectory ? (st.Device, st.Inode) : null;

    /// <summary>A full path without trailing separators, except where it is a root (<c>/</c>, <c>C:\</c>).</summary>
    internal static string Trim(string p)
    {
        var root = Path.GetPathRoot(p) ?? "";
        return p.Length > root.Length ? p.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : p;
    }

    private static string? RealPathUnix(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        IntPtr resolved;
        try
        {
            resolved = realpath(bytes, IntPtr.Zero);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            var length = 0;
            while (Marshal.ReadByte(resolved, length) != 0)
            {
                length++;
            }

            var buffer = new byte[length];
            Marshal.Copy(resolved, buffer, 0, length);
            return Encoding.UTF8.GetString(buffer);
        }
        finally
        {
            free(resolved);
        }
    }

    private static string? FinalPathWindows(string path)
    {
        try
        {
            using var handle = CreateFileW(path, 0x80 /* FILE_READ_ATTRIBUTES */, 7, IntPtr.Zero, 3 /* OPEN_EXISTING */, 0x02000000 /* BACKUP_SEMANTICS */, IntPtr.Zero);
            if (handle.IsInvalid)
            {
                return null;
            }

            var sb = new StringBuilder(1024);
            var n = GetFinalPathNameByHandleW(handle, sb, sb.Capacity, 0);
            if (n == 0 || n >= sb.Capacity)
            {
                return null;
            }

            var s = sb.ToString();
            return s.StartsWith(@"\\?\UNC\", StringComparison.Ordinal) ? @"\\" + s.Substring(8)
                : s.StartsWith(@"\\?\", StringComparison.Ordinal) ? s.Substring(4)
                : s;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr realpath(byte[] path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void free(IntPtr p);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern Microsoft.Win32.SafeHandles.SafeFileHandle CreateFileW(string name, int access, int share, IntPtr security, int disposition, int flags, IntPtr template);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern int GetFinalPathNameByHandleW(Microsoft.Win32.SafeHandles.SafeFileHandle handle, StringBuilder path, int length, int flags);
}
