using System;
using System.IO;
using System.Text;

namespace SyncEngine.Storage;

/// <summary>
/// Opens the engine's own files (<c>.syncignore</c>, the state files, the lock, the control and run files, the
/// records beside them) so that nothing but a regular file is ever read or written: a FIFO, socket, device or folder
/// in their place is refused with <see cref="NotRegularErrorId"/> naming the file, instead of blocking the run
/// forever on an open or a read. A symbolic link is followed to what it names, which must be a regular file.
/// </summary>
/// <remarks>
/// The path is checked first (stat). On Linux a read then opens with O_NONBLOCK (an open of a FIFO never waits for
/// a writer) and checks the open handle (fstat), so a swap between the check and the open is caught too; a file
/// opened for writing is opened read-write, which never waits on a FIFO either, and its handle is checked the same
/// way. Elsewhere the check before the open is what there is (Windows has no FIFOs in the filesystem).
/// </remarks>
internal static class EngineFile
{
    /// <summary>The error id of a refused engine file.</summary>
    public const string NotRegularErrorId = "SyncEngineFileNotRegular";

    /// <summary>The refusal, naming the file and what is there instead.</summary>
    public static SyncEngineException NotRegular(string path, string what) =>
        new(NotRegularErrorId, SyncErrorKind.InvalidArgument,
            $"'{path}' is {what}, not a regular file. SyncEngine reads and writes its own files only as regular files; remove or rename it.", path);

    /// <summary>True when a regular file is at the path, false when nothing is; throws <see cref="NotRegularErrorId"/> for anything else.</summary>
    public static bool Exists(string path)
    {
        if (NativeFs.TryStat(path, out var st))
        {
            if (!st.Exists)
            {
                return false;
            }

            if (!st.IsFile)
            {
                throw NotRegular(path, Describe(st));
            }

            return true;
        }

        if (Directory.Exists(path))
        {
            throw NotRegular(path, "a folder");
        }

        return File.Exists(path);
    }

    /// <summary>Opens an engine file (see the class remarks). Write-only access is widened to read-write.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        if (mode is not (FileMode.CreateNew or FileMode.Create))
        {
            Exists(path);
        }

        if (NativeFs.RawFilesAvailable && access == FileAccess.Read && mode == FileMode.Open && share != FileShare.None)
        {
            var handle = NativeFs.Open(path, NativeFs.ORdOnly | NativeFs.ONonBlock | NativeFs.OCloExec);
            try
            {
                EnsureRegular(handle, path);
                return new FileStream(handle, FileAccess.Read, Math.Max(1, bufferSize));
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        var stream = new FileStream(path, mode, access == FileAccess.Write ? FileAccess.ReadWrite : access, share, bufferSize, options);
        try
        {
            if (NativeFs.RawFilesAvailable)
            {
                EnsureRegular(stream.SafeFileHandle, path);
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        return stream;
    }

    /// <summary>The whole content of an engine file.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        using var stream = Open(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        using var copy = new MemoryStream();
        stream.CopyTo(copy, 1 << 16);
        return copy.ToArray();
    }

    /// <summary>The whole content of an engine file as text (UTF-8 unless a byte order mark says otherwise).</summary>
    public static string ReadAllText(string path)
    {
        using var stream = Open(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static void EnsureRegular(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        var st = NativeFs.FStat(handle, path);
        if (!st.IsFile)
        {
            throw NotRegular(path, Describe(st));
        }
    }

    private static string Describe(NativeFs.Stat st) => st.FileType switch
    {
        0x1000 => "a FIFO (named pipe)",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        0x4000 => "a folder",
        0xA000 => "a symbolic link",
        _ => "not a file",
    };
}
