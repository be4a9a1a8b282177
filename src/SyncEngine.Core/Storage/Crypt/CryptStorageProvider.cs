using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace SyncEngine.Storage.Crypt;

/// <summary>
/// A side whose files are stored encrypted on another side in rclone's crypt format, so that <c>rclone</c> with the
/// same password(s) reads them and this reads what rclone wrote. The engine sees plaintext only: names, sizes (each
/// computed from the stored size) and, by decrypting, SHA-256. The stored side's own hashes are of the ciphertext and
/// are never passed up.
/// </summary>
/// <remarks>
/// <para>The engine's folder <c>.syncengine</c> keeps its own name on the stored side, and so do a trash folder's
/// <c>trash/&lt;run&gt;</c> segments (so the stored side's clean-up still ages them); the paths below are encrypted.
/// rclone skips that folder as a name it cannot decrypt.</para>
/// <para>Before the first operation the key is checked: against <c>.syncengine/crypt-check.bin</c> (a short text
/// encrypted with the data key, written at the first change), or, where a side has none yet (rclone wrote it), by
/// decrypting the first stored file's first chunk. A wrong password is then <see cref="SyncEngineException"/>
/// <c>SyncCryptWrongKey</c> before anything is listed or written, never a side that seems emptied.</para>
/// </remarks>
public sealed class CryptStorageProvider : IStorageProvider, ITemporaryFileNaming, IDurableStorage
{
    /// <summary>The key check file on the stored side (plain name).</summary>
    internal const string CheckPath = PathRules.EngineFolder + "/crypt-check.bin";

    private const string CheckMagic = "syncengine-crypt-check 1";

    private readonly IStorageProvider _inner;
    private readonly RcloneCipher _cipher;

    /// <summary>The side's cipher, for tests that check the stored bytes against chunks sealed one by one.</summary>
    internal RcloneCipher CipherForTests => _cipher;
    private readonly object _keyGate = new();
    private volatile bool _verified;
    private volatile bool _checkWritten;

    /// <summary>
    /// Wraps <paramref name="inner"/> (which the decorator then owns). The keys are derived here (scrypt: about a
    /// tenth of a second); the key is checked on first use.
    /// </summary>
    /// <param name="inner">The side the encrypted files are stored on.</param>
    /// <param name="password">The password (rclone's <c>password</c>); never empty.</param>
    /// <param name="saltPassword">The salt password (rclone's <c>password2</c>), or null for rclone's default salt.</param>
    /// <param name="names">How names are stored.</param>
    public CryptStorageProvider(IStorageProvider inner, string password, string? saltPassword = null, CryptNameEncryption names = CryptNameEncryption.Standard)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        if (string.IsNullOrEmpty(password))
        {
            throw new SyncEngineException("SyncCryptPasswordMissing", SyncErrorKind.InvalidArgument,
                $"The encrypted side {inner.Root} needs a password: set SYNCENGINE_CRYPT_PASSWORD (and SYNCENGINE_CRYPT_PASSWORD2 for a salt password) or give -Password/-CryptCredential.", inner.Root);
        }

        _cipher = new RcloneCipher(password, saltPassword, names);
        var caps = inner.Capabilities;
        Capabilities = new StorageCapabilities
        {
            // Encrypted names are lowercase base32 of distinct ciphertexts: any plaintext name fits, and names that
            // differ only in case are different files even on a side that ignores case.
            CaseSensitive = names == CryptNameEncryption.Standard || caps.CaseSensitive,
            WindowsNames = names == CryptNameEncryption.Off && caps.WindowsNames,
            MtimePrecision = caps.MtimePrecision,
            Rename = caps.Rename,
            MtimeInListing = caps.MtimeInListing,
            HasFolders = caps.HasFolders,
            PosixPermissions = caps.PosixPermissions,
            NoReplaceCommit = caps.NoReplaceCommit,
        };
    }

    /// <summary>The side the encrypted files are stored on.</summary>
    public IStorageProvider Inner => _inner;

    /// <summary>How names are stored.</summary>
    public CryptNameEncryption NameEncryption => _cipher.Names;

    /// <inheritdoc />
    public string Root => _inner.Root;

    /// <inheritdoc />
    public StorageCapabilities Capabilities { get; }

    /// <inheritdoc />
    public bool RootExists() => _inner.RootExists();

    /// <inheritdoc />
    public void CreateRoot()
    {
        _inner.CreateRoot();
    }

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        EnsureKey(forWrite: false);
        bool Include(string innerFolder)
        {
            if (IsEngineOwn(innerFolder))
            {
                return false;
            }

            var plain = DecryptPath(innerFolder, file: false);
            if (plain is null)
            {
                onIssue(new ScanIssue(SyncSide.Source, innerFolder, "folder name cannot be decrypted with this password (not written by rclone crypt with it): not synchronized", coversSubtree: true));
                return false;
            }

            return includeFolder(plain);
        }

        void Issue(ScanIssue issue)
        {
            var plain = issue.Path == "." ? "." : DecryptPath(issue.Path, file: true) ?? DecryptPath(issue.Path, file: false);
            onIssue(new ScanIssue(issue.Side, plain ?? issue.Path, issue.Reason, issue.CoversSubtree));
        }

        foreach (var entry in _inner.Enumerate(Include, Issue, cancellationToken))
        {
            if (IsEngineOwn(entry.Path))
            {
                continue;
            }

            var file = entry.Kind == EntryKind.File;
            var plain = DecryptPath(entry.Path, file);
            if (plain is null)
            {
                onIssue(new ScanIssue(SyncSide.Source, entry.Path, (file ? "file" : "folder") + " name cannot be decrypted with this password (not written by rclone crypt with it): not synchronized", coversSubtree: !file));
                continue;
            }

            if (!file)
            {
                yield return new StorageEntry(plain, entry.Kind, entry.Size, entry.MtimeTicks, entry.FileId) { VersionTag = entry.VersionTag, Permissions = entry.Permissions };
                continue;
            }

            if (!RcloneCipher.TryDecryptedSize(entry.Size, out _))
            {
                onIssue(new ScanIssue(SyncSide.Source, plain, $"stored size {entry.Size} is not the size of any encrypted file (truncated or not encrypted): not synchronized"));
                continue;
            }

            yield return Plain(entry, plain);
        }
    }

    /// <inheritdoc />
    public StorageEntry? Stat(string path)
    {
        EnsureKey(forWrite: false);
        var entry = _inner.Stat(EncryptPath(path, file: true));
        return entry is null ? null : Plain(entry, path);
    }

    /// <inheritdoc />
    public Stream OpenRead(string path)
    {
        EnsureKey(forWrite: false);
        var stream = _inner.OpenRead(EncryptPath(path, file: true));
        try
        {
            return new DecryptingStream(stream, _cipher, path, Root);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        PathRules.EnsureRelative(path);
        var stored = EncryptPath(path, file: true);
        EnsureKey(forWrite: true);
        return new CryptWrite(this, _inner.BeginWrite(stored), path);
    }

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        var from = EncryptPath(fromPath, file: true);
        var to = EncryptPath(toPath, file: true);
        EnsureKey(forWrite: true);
        _inner.Move(from, to, overwrite);
    }

    /// <inheritdoc />
    public void PreserveCopy(string path, string copyPath)
    {
        var from = EncryptPath(path, file: true);
        var to = EncryptPath(copyPath, file: true);
        EnsureKey(forWrite: true);
        _inner.PreserveCopy(from, to);
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        var stored = EncryptPath(path, file: true);
        EnsureKey(forWrite: true);
        _inner.Delete(stored);
    }

    /// <inheritdoc />
    public void RemoveEmptyParents(string path) => _inner.RemoveEmptyParents(EncryptPath(path, file: true));

    /// <summary>The SHA-256 of the plaintext (the file is read and decrypted; a damaged file throws <c>SyncCryptDamaged</c>).</summary>
    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        using var stream = OpenRead(path);
        return Hashing.Sha256Hex(stream, cancellationToken);
    }

    /// <inheritdoc />
    public void CleanUp(CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

    /// <inheritdoc />
    public void UseTemporaryNames(TemporaryNames names) => (_inner as ITemporaryFileNaming)?.UseTemporaryNames(names);

    /// <inheritdoc />
    public void FlushCompletedWrites() => (_inner as IDurableStorage)?.FlushCompletedWrites();

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();

    /// <summary>Never the password or keys.</summary>
    public override string ToString() => $"encrypted ({(_cipher.Names == CryptNameEncryption.Standard ? "names encrypted" : "names plain")}) on {_inner.Root}";

    // ---- names ----

    /// <summary>Where a plaintext file path is stored on <see cref="Inner"/> (for tools and tests; names are deterministic).</summary>
    public string StoredPath(string path) => EncryptPath(path, file: true);

    /// <summary>The plaintext path of a file path stored on <see cref="Inner"/>, or null when it is not one this password wrote.</summary>
    public string? PlaintextPath(string storedPath) => DecryptPath(storedPath, file: true);

    /// <summary>The stored path of a plaintext path.</summary>
    internal string EncryptPath(string path, bool file)
    {
        PathRules.EnsureRelative(path);
        var segments = path.Split('/');
        var keep = PlainPrefix(segments);
        if (keep == segments.Length)
        {
            return path;
        }

        var sb = new StringBuilder(path.Length * 2);
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                sb.Append('/');
            }

            var last = i == segments.Length - 1;
            if (i < keep)
            {
                sb.Append(segments[i]);
            }
            else if (_cipher.Names == CryptNameEncryption.Standard)
            {
                try
                {
                    sb.Append(_cipher.EncryptSegment(segments[i]));
                }
                catch (ArgumentException ex)
                {
                    throw new IOException($"'{path}' cannot be stored on the encrypted side {Root}: {ex.Message}", ex);
                }
            }
            else
            {
                sb.Append(segments[i]);
                if (last && file)
                {
                    sb.Append(".bin");
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>The plaintext path of a stored path, or null when it is not one this password wrote.</summary>
    internal string? DecryptPath(string stored, bool file)
    {
        var segments = stored.Split('/');
        var keep = PlainPrefix(segments);
        var result = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            if (i < keep)
            {
                result[i] = segments[i];
            }
            else if (_cipher.Names == CryptNameEncryption.Standard)
            {
                var plain = _cipher.DecryptSegment(segments[i]);
                if (plain is null || plain.Length == 0 || plain.IndexOf('/') >= 0 || plain == "." || plain == "..")
                {
                    return null;
                }

                result[i] = plain;
            }
            else if (last && file)
            {
                if (!segments[i].EndsWith(".bin", StringComparison.Ordinal) || segments[i].Length == 4)
                {
                    return null;
                }

                result[i] = segments[i].Substring(0, segments[i].Length - 4);
            }
            else
            {
                result[i] = segments[i];
            }
        }

        var path = string.Join("/", result);
        return PathRules.ValidateRelative(path) is null ? path : null;
    }

    /// <summary>
    /// Whether a stored path is the engine's own and never a user's file: the <c>.syncengine</c> folder at the root (a
    /// stored side that does not leave it out itself lists it) or a temporary file being written (its name is the
    /// engine's, never encrypted).
    /// </summary>
    private static bool IsEngineOwn(string stored)
    {
        if (stored.StartsWith(PathRules.EngineFolder, StringComparison.Ordinal) && (stored.Length == PathRules.EngineFolder.Length || stored[PathRules.EngineFolder.Length] == '/'))
        {
            return true;
        }

        var slash = stored.LastIndexOf('/');
        return string.CompareOrdinal(stored, slash + 1, PathRules.TempPrefix, 0, PathRules.TempPrefix.Length) == 0;
    }

    /// <summary>How many leading segments keep their names: <c>.syncengine</c>, and <c>trash/&lt;run&gt;</c> below it.</summary>
    private static int PlainPrefix(string[] segments)
    {
        if (!string.Equals(segments[0], PathRules.EngineFolder, StringComparison.Ordinal))
        {
            return 0;
        }

        return segments.Length >= 4 && string.Equals(segments[1], "trash", StringComparison.Ordinal) ? 3 : Math.Min(1, segments.Length);
    }

    /// <summary>A stored entry as the plaintext's: its size computed, its (ciphertext) hashes dropped.</summary>
    private StorageEntry Plain(StorageEntry entry, string plainPath)
    {
        if (entry.Kind != EntryKind.File)
        {
            return new StorageEntry(plainPath, entry.Kind, entry.Size, entry.MtimeTicks, entry.FileId) { VersionTag = entry.VersionTag, Permissions = entry.Permissions };
        }

        if (!RcloneCipher.TryDecryptedSize(entry.Size, out var size))
        {
            throw new SyncEngineException("SyncCryptDamaged", SyncErrorKind.IOError,
                $"The encrypted file '{plainPath}' on {Root} has a stored size ({entry.Size} bytes) that no encrypted file has: it was truncated, or it is not encrypted.", plainPath);
        }

        return new StorageEntry(plainPath, EntryKind.File, size, entry.MtimeTicks, entry.FileId) { VersionTag = entry.VersionTag, Permissions = entry.Permissions };
    }

    // ---- the key check ----

    /// <summary>
    /// Checks the key once (see the remarks of the class); before the first change, also records the key check on
    /// the side. Throws <c>SyncCryptWrongKey</c>, <c>SyncCryptNotEncrypted</c> or <c>SyncCryptNamesMismatch</c>.
    /// </summary>
    internal void EnsureKey(bool forWrite)
    {
        if (_verified && (!forWrite || _checkWritten))
        {
            return;
        }

        lock (_keyGate)
        {
            if (!_verified)
            {
                Verify();
                _verified = true;
            }

            if (forWrite && !_checkWritten)
            {
                WriteCheck();
                _checkWritten = true;
            }
        }
    }

    private void Verify()
    {
        if (!_inner.RootExists())
        {
            return;
        }

        if (_inner.Stat(CheckPath) is not null)
        {
            ReadCheck();
            _checkWritten = true;
            return;
        }

        // No key check yet (a side rclone wrote, or one this version never changed): the first stored file decides.
        foreach (var entry in _inner.Enumerate(folder => !IsEngineOwn(folder), _ => { }, CancellationToken.None))
        {
            if (entry.Kind != EntryKind.File || IsEngineOwn(entry.Path))
            {
                continue;
            }

            if (_cipher.Names == CryptNameEncryption.Standard && DecryptPath(entry.Path, file: true) is null)
            {
                throw WrongKey($"the stored name '{entry.Path}' does not decrypt with it");
            }

            if (_cipher.Names == CryptNameEncryption.Off && !entry.Path.EndsWith(".bin", StringComparison.Ordinal))
            {
                throw NotEncrypted($"'{entry.Path}' has no '.bin' suffix");
            }

            try
            {
                using var stream = new DecryptingStream(_inner.OpenRead(entry.Path), _cipher, entry.Path, Root);
                stream.ReadByte();
            }
            catch (SyncEngineException ex) when (ex.ErrorId == "SyncCryptDamaged")
            {
                if (ex.Message.IndexOf("fails authentication", StringComparison.Ordinal) >= 0)
                {
                    throw WrongKey($"the stored file '{entry.Path}' does not decrypt with it");
                }

                throw NotEncrypted($"'{entry.Path}' is not an encrypted file");
            }

            return;
        }
    }

    private void ReadCheck()
    {
        string text;
        try
        {
            using var stream = new DecryptingStream(_inner.OpenRead(CheckPath), _cipher, CheckPath, Root);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (SyncEngineException ex) when (ex.ErrorId == "SyncCryptDamaged")
        {
            throw WrongKey($"its key check ({CheckPath}) does not decrypt with it");
        }

        var lines = text.Split('\n');
        if (lines.Length < 2 || !string.Equals(lines[0], CheckMagic, StringComparison.Ordinal))
        {
            throw WrongKey($"its key check ({CheckPath}) is not one this version wrote");
        }

        var names = lines[1].StartsWith("names=", StringComparison.Ordinal) ? lines[1].Substring(6) : "";
        var mine = NamesText(_cipher.Names);
        if (!string.Equals(names, mine, StringComparison.Ordinal))
        {
            throw new SyncEngineException("SyncCryptNamesMismatch", SyncErrorKind.InvalidArgument,
                $"The encrypted side {Root} stores names with name encryption '{names}', and this run asks for '{mine}': give --encrypt-names {names} (-EncryptNames {names}). Nothing was changed.", Root);
        }
    }

    private void WriteCheck()
    {
        if (_checkWritten)
        {
            return;
        }

        if (!_inner.RootExists())
        {
            _inner.CreateRoot();
        }

        var text = Encoding.UTF8.GetBytes(CheckMagic + "\nnames=" + NamesText(_cipher.Names) + "\n");
        try
        {
            using var write = _inner.BeginWrite(CheckPath);
            var stream = new EncryptingStream(write.Stream, _cipher);
            stream.Write(text, 0, text.Length);
            stream.Finish();
            write.Commit(DateTime.UtcNow, overwrite: false);
        }
        catch (IOException) when (_inner.Stat(CheckPath) is not null)
        {
            ReadCheck(); // another run wrote it meanwhile: it must be for this key
        }
    }

    private static string NamesText(CryptNameEncryption names) => names == CryptNameEncryption.Standard ? "standard" : "off";

    private SyncEngineException WrongKey(string why) =>
        new("SyncCryptWrongKey", SyncErrorKind.InvalidArgument,
            $"The password does not open the encrypted side {Root}: {why}. Give the password (and salt password) it was encrypted with. Nothing was changed.", Root);

    private SyncEngineException NotEncrypted(string why) =>
        new("SyncCryptNotEncrypted", SyncErrorKind.InvalidArgument,
            $"{Root} holds files that are not encrypted in rclone's crypt format ({why}): encrypt into an empty folder or one written encrypted. Nothing was changed.", Root);

    /// <summary>A staged write of the stored side, encrypting what is written to it.</summary>
    private sealed class CryptWrite : IStagedWrite
    {
        private readonly CryptStorageProvider _owner;
        private readonly IStagedWrite _inner;
        private readonly string _path;
        private EncryptingStream? _stream;

        public CryptWrite(CryptStorageProvider owner, IStagedWrite inner, string path)
        {
            _owner = owner;
            _inner = inner;
            _path = path;
        }

        public Stream Stream => _stream ??= new EncryptingStream(_inner.Stream, _owner._cipher);

        /// <summary>Null: the temporary file holds ciphertext, so the engine's local copy paths must not write it.</summary>

        public int? Permissions
        {
            get => _inner.Permissions;
            set => _inner.Permissions = value;
        }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            var stream = (EncryptingStream)Stream;
            stream.Finish();
            var entry = _inner.Commit(lastWriteTimeUtc, overwrite);
            return _owner.Plain(entry, _path);
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _inner.Dispose();
        }
    }
}
