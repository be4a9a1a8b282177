using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SyncEngine.Storage.Sftp;

/// <summary>What a known_hosts file says about the key a server presented.</summary>
public enum HostKeyVerdict
{
    /// <summary>The file lists this key for this host.</summary>
    Known,
    /// <summary>The file lists no key for this host.</summary>
    Unknown,
    /// <summary>The file lists other keys for this host, none of them this one: the key changed (or someone is in between).</summary>
    Changed,
    /// <summary>The file marks this key <c>@revoked</c>.</summary>
    Revoked,
}

/// <summary>
/// An OpenSSH known_hosts file: plain host patterns (comma-separated, <c>*</c> and <c>?</c> wildcards, <c>!</c>
/// negation), hashed host entries (<c>|1|salt|hmac</c>, as <c>HashKnownHosts yes</c> writes them), the
/// <c>[host]:port</c> form for a port other than 22, and the <c>@revoked</c> marker. <c>@cert-authority</c> lines are
/// not used (host certificates are not accepted). Host names compare without regard to case, as OpenSSH does.
/// </summary>
public static class KnownHosts
{
    private static readonly object AppendGate = new();
    private static readonly char[] Blanks = { ' ', '\t' };

    /// <summary>The name a host is filed under: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
    public static string HostName(string host, int port) =>
        port == 22 ? host.ToLowerInvariant() : "[" + host.ToLowerInvariant() + "]:" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The key type a public key blob names (its first field, e.g. <c>ssh-ed25519</c>, <c>ssh-rsa</c>).</summary>
    public static string KeyTypeOf(byte[] blob)
    {
        if (blob.Length < 4)
        {
            return "";
        }

        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        return length <= 0 || length > blob.Length - 4 ? "" : Encoding.ASCII.GetString(blob, 4, length);
    }

    /// <summary>The SHA256 fingerprint of a key blob as OpenSSH prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Fingerprint(byte[] blob)
    {
        using var sha = SHA256.Create();
        return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(blob)).TrimEnd('=');
    }

    /// <summary>
    /// The key types the file lists for a host (not revoked ones); empty when the host is unknown. A client offers
    /// only these to the server, so a server that also has a key of another type is checked against the known one.
    /// </summary>
    public static HashSet<string> KnownKeyTypes(string path, string host, int port)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Lines(path))
        {
            if (line.Marker is null && line.Matches(HostName(host, port)))
            {
                types.Add(line.KeyType);
            }
        }

        return types;
    }

    /// <summary>Checks a presented key (its wire blob) for a host against the file. A missing file knows no host.</summary>
    public static HostKeyVerdict Check(string path, string host, int port, byte[] blob)
    {
        var name = HostName(host, port);
        var keyType = KeyTypeOf(blob);
        var encoded = Convert.ToBase64String(blob);
        var known = false;
        var listed = false;
        foreach (var line in Lines(path))
        {
            if (!line.Matches(name))
            {
                continue;
            }

            if (line.Marker == "@revoked")
            {
                if (string.Equals(line.Key, encoded, StringComparison.Ordinal))
                {
                    return HostKeyVerdict.Revoked;
                }

                continue;
            }

            if (line.Marker is not null)
            {
                continue;
            }

            listed = true;
            if (string.Equals(line.KeyType, keyType, StringComparison.Ordinal) && string.Equals(line.Key, encoded, StringComparison.Ordinal))
            {
                known = true;
            }
        }

        return known ? HostKeyVerdict.Known : listed ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
    }

    /// <summary>
    /// Adds a host's key to the file (plain host name, as <c>ssh -o StrictHostKeyChecking=accept-new</c> with
    /// <c>HashKnownHosts no</c> does), creating the file (0600) and its folder (0700) if needed. Only for a host the
    /// file does not know at all: the caller checked <see cref="Check"/> said <see cref="HostKeyVerdict.Unknown"/>.
    /// </summary>
    public static void Append(string path, string host, int port, byte[] blob)
    {
        lock (AppendGate)
        {
            // Checked again under the lock: two connections of one provider may both have met the unknown key.
            if (Check(path, host, port, blob) != HostKeyVerdict.Unknown)
            {
                return;
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                NativeFs.TryChmod(folder!, 0x1C0);
            }

            var isNew = !File.Exists(path);
            var needsNewline = false;
            if (!isNew)
            {
                using var existing = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if (existing.Length > 0)
                {
                    existing.Seek(-1, SeekOrigin.End);
                    needsNewline = existing.ReadByte() != '\n';
                }
            }

            var line = (needsNewline ? "\n" : "") + HostName(host, port) + " " + KeyTypeOf(blob) + " " + Convert.ToBase64String(blob) + "\n";
            using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                var bytes = Encoding.ASCII.GetBytes(line);
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }

            if (isNew)
            {
                NativeFs.TryChmod(path, 0x180);
            }
        }
    }

    private static IEnumerable<Entry> Lines(string path)
    {
        string[] lines;
        try
        {
            lines = File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SyncEngineException("SyncSftpKnownHostsUnreadable", SyncErrorKind.InvalidArgument,
                $"The known_hosts file '{path}' cannot be read: {ex.Message}", path, ex);
        }

        foreach (var raw in lines)
        {
            var entry = Entry.Parse(raw);
            if (entry is not null)
            {
                yield return entry;
            }
        }
    }

    private sealed class Entry
    {
        private Entry(string? marker, string hosts, string keyType, string key)
        {
            Marker = marker;
            Hosts = hosts;
            KeyType = keyType;
            Key = key;
        }

        public string? Marker { get; }

        public string Hosts { get; }

        public string KeyType { get; }

        public string Key { get; }

        public static Entry? Parse(string raw)
        {
            var fields = raw.Trim().Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
            {
                return null;
            }

            string? marker = null;
            var i = 0;
            if (fields[0].StartsWith("@", StringComparison.Ordinal))
            {
                marker = fields[0].ToLowerInvariant();
                i = 1;
            }

            return fields.Length - i < 3 ? null : new Entry(marker, fields[i], fields[i + 1], fields[i + 2]);
        }

        public bool Matches(string name)
        {
            if (Hosts.StartsWith("|1|", StringComparison.Ordinal))
            {
                return HashedMatches(name);
            }

            var matched = false;
            foreach (var pattern in Hosts.Split(','))
            {
                if (pattern.Length == 0)
                {
                    continue;
                }

                var negated = pattern[0] == '!';
                var body = negated ? pattern.Substring(1) : pattern;
                if (Glob(body.ToLowerInvariant(), 0, name, 0))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }

        private bool HashedMatches(string name)
        {
            var parts = Hosts.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            try
            {
                var salt = Convert.FromBase64String(parts[2]);
                var expected = Convert.FromBase64String(parts[3]);
                using var hmac = new HMACSHA1(salt);
                var actual = hmac.ComputeHash(Encoding.UTF8.GetBytes(name));
                if (actual.Length != expected.Length)
                {
                    return false;
                }

                var diff = 0;
                for (var k = 0; k < actual.Length; k++)
                {
                    diff |= actual[k] ^ expected[k];
                }

                return diff == 0;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private static bool Glob(string pattern, int p, string text, int t)
        {
            while (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    for (var k = t; k <= text.Length; k++)
                    {
                        if (Glob(pattern, p + 1, text, k))
                        {
                            return true;
                        }
                    }

                    return false;
                }

                if (t >= text.Length || (c != '?' && c != text[t]))
                {
                    return false;
                }

                p++;
                t++;
            }

            return t == text.Length;
        }
    }
}
