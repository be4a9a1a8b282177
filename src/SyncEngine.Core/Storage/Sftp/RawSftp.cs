using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace SyncEngine.Storage.Sftp;

/// <summary>
/// SFTP requests sent as they are, on the path given. SSH.NET's public <see cref="SftpClient"/> methods first send
/// <c>SSH_FXP_REALPATH</c> for every path and then work on the answer, which resolves symbolic links: its
/// <c>GetAttributes</c> would describe a link's target, and its <c>DeleteFile</c> or <c>RenameFile</c> on a link would
/// delete or move the target, possibly outside the root. It also costs a round trip per request. So the provider sends
/// <c>LSTAT</c>, <c>REMOVE</c>, <c>RENAME</c>, <c>MKDIR</c>, <c>RMDIR</c>, <c>SETSTAT</c>, <c>OPENDIR</c>/<c>READDIR</c>
/// through the client's SFTP session directly (internal in SSH.NET, reached by reflection; the package version is
/// pinned, and a missing member is a clear error at the first request, never a silent fallback). <c>OPEN</c> goes
/// through <see cref="SftpClient.Open(string, FileMode, FileAccess)"/>, which in SSH.NET 2026.0.1 sends the path as
/// given.
/// </summary>
internal static class RawSftp
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private static readonly Lazy<Members> Api = new(Load);

    /// <summary>lstat: the entry itself, a link as a link.</summary>
    public static SftpFileAttributes LStat(SftpClient client, string path) =>
        (SftpFileAttributes)Call(client, Api.Value.LStat, path)!;

    /// <summary>lstat, null when nothing is there.</summary>
    public static SftpFileAttributes? TryLStat(SftpClient client, string path)
    {
        try
        {
            return LStat(client, path);
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Removes a file (a link itself, never its target).</summary>
    public static void Remove(SftpClient client, string path) => Call(client, Api.Value.Remove, path);

    /// <summary>SFTP rename: refuses an existing target (OpenSSH links the new name, then unlinks the old).</summary>
    public static void Rename(SftpClient client, string from, string to) => Call(client, Api.Value.Rename, from, to);

    /// <summary>posix-rename@openssh.com: replaces the target atomically; NotSupportedException when the server lacks it.</summary>
    public static void PosixRename(SftpClient client, string from, string to) => Call(client, Api.Value.PosixRename, from, to);

    /// <summary>Creates a folder.</summary>
    public static void MkDir(SftpClient client, string path) => Call(client, Api.Value.MkDir, path);

    /// <summary>Removes an empty folder (refused for a link or a folder that is not empty).</summary>
    public static void RmDir(SftpClient client, string path) => Call(client, Api.Value.RmDir, path);

    /// <summary>setstat with the attributes' changed fields (time, mode).</summary>
    public static void SetStat(SftpClient client, string path, SftpFileAttributes attributes) => Call(client, Api.Value.SetStat, path, attributes);

    /// <summary>fsetstat on an open handle: the attributes' changed fields (see <see cref="NewAttributes"/>).</summary>
    public static void FSetStat(SftpClient client, byte[] handle, SftpFileAttributes attributes) => Call(client, Api.Value.FSetStat, handle, attributes);

    /// <summary>
    /// Sends fstat on an open handle and returns without waiting for the answer: a request sent after it on the same
    /// handle (close) is answered after it, so the two cost one round trip.
    /// </summary>
    public static System.Threading.Tasks.Task<SftpFileAttributes> FStatAsync(SftpClient client, byte[] handle) =>
        (System.Threading.Tasks.Task<SftpFileAttributes>)Call(client, Api.Value.FStatAsync, handle, System.Threading.CancellationToken.None)!;

    /// <summary>
    /// Attributes for a setstat that sends only the modification time (access time set to the same) and, when given,
    /// the rwx bits: no lstat first. SSH.NET sends the fields that differ from the ones it was built with, so it is
    /// built with values that every field set here differs from (times at DateTime.MinValue, size, owner and group
    /// -1, permissions of a regular file with one bit flipped), and the untouched fields are not sent.
    /// </summary>
    public static SftpFileAttributes NewAttributes(DateTime? lastWriteTimeUtc, int? permissionBits)
    {
        var bits = permissionBits ?? 0;
        var original = 0x8000u | (uint)((bits ^ 1) & 0x1FF);
        var a = (SftpFileAttributes)Api.Value.AttributesConstructor.Invoke(new object?[] { DateTime.MinValue, DateTime.MinValue, -1L, -1, -1, original, null });
        if (lastWriteTimeUtc is { } time)
        {
            a.LastWriteTimeUtc = time;
            a.LastAccessTimeUtc = time;
        }

        if (permissionBits is not null)
        {
            var digits = ((bits >> 6) & 7) * 100 + ((bits >> 3) & 7) * 10 + (bits & 7);
            a.SetPermissions((short)digits);
        }

        return a;
    }

    /// <summary>The names and lstat attributes of a folder's entries ("." and ".." left out).</summary>
    public static List<KeyValuePair<string, SftpFileAttributes>> List(SftpClient client, string path)
    {
        var handle = (byte[])Call(client, Api.Value.OpenDir, path)!;
        var result = new List<KeyValuePair<string, SftpFileAttributes>>();
        try
        {
            while (Call(client, Api.Value.ReadDir, handle) is KeyValuePair<string, SftpFileAttributes>[] batch)
            {
                foreach (var item in batch)
                {
                    if (item.Key is not ("." or ".."))
                    {
                        result.Add(item);
                    }
                }
            }
        }
        finally
        {
            try
            {
                Call(client, Api.Value.Close, handle);
            }
            catch (SshException)
            {
                // The listing is complete; a close the server refuses changes nothing.
            }
        }

        return result;
    }

    /// <summary>Whether a folder can be opened for listing (through a link too: used for the root only).</summary>
    public static bool CanList(SftpClient client, string path)
    {
        try
        {
            var handle = (byte[])Call(client, Api.Value.OpenDir, path)!;
            Call(client, Api.Value.Close, handle);
            return true;
        }
        catch (SshException ex) when (ex is not SshConnectionException)
        {
            return false;
        }
    }

    /// <summary>Opens a file on the path as given (<see cref="FileMode.CreateNew"/> is O_CREAT|O_EXCL, which never follows a link).</summary>
    public static SftpFileStream Open(SftpClient client, string path, FileMode mode, FileAccess access) => client.Open(path, mode, access);

    private static object Session(SftpClient client) =>
        Api.Value.SessionProperty.GetValue(client) ?? throw new SshConnectionException("Client not connected.");

    private static object? Call(SftpClient client, MethodInfo method, params object[] args)
    {
        var session = Session(client);
        try
        {
            return method.Invoke(session, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    private static Members Load()
    {
        var assembly = typeof(SftpClient).Assembly;
        var sessionType = assembly.GetType("Renci.SshNet.Sftp.ISftpSession");
        var property = typeof(SftpClient).GetProperty("SftpSession", Any);
        MethodInfo Method(string name, params Type[] parameters) =>
            sessionType?.GetMethod(name, Any, null, parameters, null)
            ?? throw Missing("ISftpSession." + name);

        if (sessionType is null || property is null)
        {
            throw Missing("SftpClient.SftpSession");
        }

        return new Members(
            property,
            Method("RequestLStat", typeof(string)),
            Method("RequestRemove", typeof(string)),
            Method("RequestRename", typeof(string), typeof(string)),
            Method("RequestPosixRename", typeof(string), typeof(string)),
            Method("RequestMkDir", typeof(string)),
            Method("RequestRmDir", typeof(string)),
            Method("RequestSetStat", typeof(string), typeof(SftpFileAttributes)),
            Method("RequestFSetStat", typeof(byte[]), typeof(SftpFileAttributes)),
            Method("RequestFStatAsync", typeof(byte[]), typeof(System.Threading.CancellationToken)),
            typeof(SftpFileAttributes).GetConstructor(Any, null,
                new[] { typeof(DateTime), typeof(DateTime), typeof(long), typeof(int), typeof(int), typeof(uint), typeof(Dictionary<string, string>) }, null)
                ?? throw Missing("SftpFileAttributes(DateTime, DateTime, long, int, int, uint, Dictionary)"),
            Method("RequestOpenDir", typeof(string)),
            Method("RequestReadDir", typeof(byte[])),
            Method("RequestClose", typeof(byte[])));
    }

    private static InvalidOperationException Missing(string member) =>
        new($"The SSH.NET library loaded ({typeof(SftpClient).Assembly.GetName().Version}) lacks {member}; SyncEngine's SFTP side is built for SSH.NET 2026.0.1.");

    private sealed class Members
    {
        public Members(PropertyInfo sessionProperty, MethodInfo lStat, MethodInfo remove, MethodInfo rename, MethodInfo posixRename,
                       MethodInfo mkDir, MethodInfo rmDir, MethodInfo setStat, MethodInfo fSetStat, MethodInfo fStatAsync, ConstructorInfo attributesConstructor,
                       MethodInfo openDir, MethodInfo readDir, MethodInfo close)
        {
            SessionProperty = sessionProperty;
            LStat = lStat;
            Remove = remove;
            Rename = rename;
            PosixRename = posixRename;
            MkDir = mkDir;
            RmDir = rmDir;
            SetStat = setStat;
            FSetStat = fSetStat;
            FStatAsync = fStatAsync;
            AttributesConstructor = attributesConstructor;
            OpenDir = openDir;
            ReadDir = readDir;
            Close = close;
        }

        public PropertyInfo SessionProperty { get; }

        public MethodInfo LStat { get; }

        public MethodInfo Remove { get; }

        public MethodInfo Rename { get; }

        public MethodInfo PosixRename { get; }

        public MethodInfo MkDir { get; }

        public MethodInfo RmDir { get; }

        public MethodInfo SetStat { get; }

        public MethodInfo FSetStat { get; }

        public MethodInfo FStatAsync { get; }

        public ConstructorInfo AttributesConstructor { get; }

        public MethodInfo OpenDir { get; }

        public MethodInfo ReadDir { get; }

        public MethodInfo Close { get; }
    }
}
