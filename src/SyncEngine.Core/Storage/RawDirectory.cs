using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace SyncEngine.Storage;

/// <summary>
/// Lists one folder on Linux through its own descriptor: getdents64 for the names and types, statx relative to the
/// folder for files (one path component to resolve, not the whole path), none for sub-folders. Names arrive as the
/// bytes the filesystem holds; a name that is not valid UTF-8 cannot be addressed by a .NET string and is reported.
/// </summary>
internal static unsafe class RawDirectory
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static bool _unavailable;

    /// <summary>One listed name.</summary>
    public struct Entry
    {
        /// <summary>The name, or null when it is not valid UTF-8.</summary>
        public string? Name;

        /// <summary>The name's bytes shown with escapes, for a report (only when <see cref="Name"/> is null).</summary>
        public string? RawName;

        /// <summary>Whether the entry is a folder (then nothing else is known).</summary>
        public bool IsDirectory;

        /// <summary>The file's attributes; Exists false when it vanished while listed.</summary>
        public NativeFs.Stat Stat;
    }

    /// <summary>Whether listing this way works here (Linux with getdents64 and statx).</summary>
    public static bool Available => NativeFs.RawFilesAvailable && !_unavailable;

    /// <summary>
    /// Lists <paramref name="folder"/> into <paramref name="into"/> (cleared first). Returns false when this way of
    /// listing is not available here (the caller lists another way). Throws the BCL exceptions for a folder that
    /// cannot be opened or read. <paramref name="followLink"/> lets the folder itself be a symbolic link (the root).
    /// </summary>
    public static bool TryList(string folder, List<Entry> into, byte[] buffer, bool followLink)
    {
        into.Clear();
        if (!Available)
        {
            return false;
        }

        // The root may be reached through a link the user named; folders below it never are.
        using var dir = NativeFs.Open(folder, NativeFs.ORdOnly | NativeFs.OCloExec | ODirectory | (followLink ? 0 : NativeFs.ONoFollow));
        using var lease = new FdLease(dir);
        var fd = lease.Fd;
        {
            fixed (byte* buf = buffer)
            {
                var statBuf = stackalloc byte[256];
                while (true)
                {
                    long n;
                    try
                    {
                        n = getdents64(fd, buf, new UIntPtr((uint)buffer.Length)).ToInt64();
                    }
                    catch (EntryPointNotFoundException)
                    {
                        _unavailable = true;
                        into.Clear();
                        return false;
                    }

                    if (n < 0)
                    {
                        var errno = Marshal.GetLastWin32Error();
                        if (errno == 4)
                        {
                            continue;
                        }

                        throw NativeFs.ErrnoException(errno, folder);
                    }

                    if (n == 0)
                    {
                        return true;
                    }

                    for (long off = 0; off < n;)
                    {
                        var rec = buf + off;
                        var reclen = *(ushort*)(rec + 16);
                        var type = rec[18];
                        var name = rec + 19;
                        off += reclen;
                        var len = 0;
                        while (len < reclen - 19 && name[len] != 0)
                        {
                            len++;
                        }

                        if ((len == 1 && name[0] == (byte)'.') || (len == 2 && name[0] == (byte)'.' && name[1] == (byte)'.'))
                        {
                            continue;
                        }

                        var e = default(Entry);
                        try
                        {
                            e.Name = StrictUtf8.GetString(name, len);
                        }
                        catch (DecoderFallbackException)
                        {
                            e.RawName = Escape(name, len);
                        }

                        if (type == 4)
                        {
                            e.IsDirectory = true;
                        }
                        else if (e.Name is not null)
                        {
                            // DT_REG, DT_LNK, others and DT_UNKNOWN: the attributes say what it is.
                            e.Stat = StatAt(fd, name, statBuf, folder, e.Name);
                            e.IsDirectory = e.Stat.IsDirectory;
                        }

                        into.Add(e);
                    }
                }
            }
        }
    }

    private static NativeFs.Stat StatAt(int dirFd, byte* name, byte* statBuf, string folder, string nameForMessages)
    {
        while (true)
        {
            if (statx(dirFd, name, 0x100, NativeFs.StatxMask, statBuf) == 0)
            {
                return NativeFs.FromStatx(statBuf);
            }

            var errno = Marshal.GetLastWin32Error();
            switch (errno)
            {
                case 4:
                    continue;
                case 2 or 20:
                    return default; // vanished while listed
                default:
                    throw NativeFs.ErrnoException(errno, folder + "/" + nameForMessages);
            }
        }
    }

    private static string Escape(byte* name, int len)
    {
        var sb = new StringBuilder(len * 2);
        for (var i = 0; i < len; i++)
        {
            var b = name[i];
            if (b >= 0x20 && b < 0x7f && b != (byte)'\\')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private const int ODirectory = 0x10000;

    [DllImport("libc.so.6", EntryPoint = "getdents64", SetLastError = true)]
    private static extern IntPtr getdents64(int fd, byte* buf, UIntPtr count);

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    private static extern int statx(int dirfd, byte* path, int flags, uint mask, byte* buf);
}
