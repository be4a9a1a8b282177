using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace SyncEngine.Storage;

/// <summary>
/// A stream over a raw file descriptor (Linux): no advisory lock, no seek bookkeeping, no buffering. The local
/// provider reads and stages files through it, and the executor asks it for the open file's version (fstat) instead
/// of looking the path up again.
/// </summary>
internal sealed class FdStream : Stream, ILocalFileStream, IOpenFileVersion
{
    private readonly bool _write;
    private readonly string _path;

    private FdStream(SafeFileHandle handle, bool write, string path)
    {
        Handle = handle;
        _write = write;
        _path = path;
    }

    /// <summary>The descriptor, for in-kernel copies.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The file's path (for messages).</summary>
    public string FilePath => _path;

    /// <summary>Opens an existing file for reading, refusing a symbolic link.</summary>
    public static FdStream OpenRead(string path) =>
        new(NativeFs.Open(path, NativeFs.ORdOnly | NativeFs.OCloExec | NativeFs.ONoFollow), write: false, path);

    /// <summary>Creates a new file for writing; fails if anything exists at the path.</summary>
    public static FdStream CreateNew(string path) =>
        new(NativeFs.Open(path, NativeFs.OWrOnly | NativeFs.OCreat | NativeFs.OExcl | NativeFs.OCloExec | NativeFs.ONoFollow), write: true, path);

    /// <summary>A stream over a descriptor opened elsewhere (openat in a folder); the stream owns it.</summary>
    public static FdStream Wrap(SafeFileHandle handle, bool write, string path) => new(handle, write, path);

    /// <summary>Flushes the file's data and metadata to the disk (fsync).</summary>
    public void SyncToDisk() => NativeFs.FSync(Handle, _path);

    /// <summary>Announces a read from start to end (a larger read-ahead where the file is not cached).</summary>
    public void AdviseSequential() => NativeFs.AdviseSequential(Handle);

    /// <summary>The open file's current size, modification time and inode.</summary>
    public NativeFs.Stat Version() => NativeFs.FStat(Handle, _path);

    /// <inheritdoc />
    public (bool IsFile, long Size, long MtimeTicks, ulong FileId) CurrentVersion()
    {
        var st = Version();
        return (st.IsFile, st.Size, st.MtimeTicks, st.FileId);
    }

    /// <summary>Sets the open file's modification time.</summary>
    public void SetLastWriteTime(long mtimeTicks) => NativeFs.SetMtime(Handle, mtimeTicks, _path);

    /// <inheritdoc />
    public override bool CanRead => !_write;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => _write;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_write)
        {
            throw new NotSupportedException();
        }

        return count == 0 ? 0 : NativeFs.Read(Handle, buffer, offset, count, _path);
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
        if (!_write)
        {
            throw new NotSupportedException();
        }

        NativeFs.Write(Handle, buffer, offset, count, _path);
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
