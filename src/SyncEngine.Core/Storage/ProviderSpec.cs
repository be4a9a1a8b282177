using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SyncEngine.Storage;

/// <summary>The kind of storage a root names.</summary>
public enum ProviderKind
{
    /// <summary>A folder on a local (or mounted) file system.</summary>
    Local,
    /// <summary>A folder on an SSH server, reached over SFTP.</summary>
    Sftp,
    /// <summary>A bucket, or a key prefix in one, on an S3-compatible object store.</summary>
    S3,
}

/// <summary>
/// A root of a pair as the user writes it: a local path, <c>sftp://[user@]host[:port]/absolute/path</c> or
/// <c>s3://bucket[/prefix]</c> (docs/providers.md). Parsed and validated here, so every front end accepts the same
/// roots and refuses the same mistakes; a front end passes the string (and any credential beside it) and nothing else.
/// </summary>
/// <remarks>
/// <para>A spec never holds a secret: a password in the URL (<c>sftp://user:pass@host/…</c>) is refused, and the
/// refusal does not repeat it. <see cref="ToString"/> is the canonical form (it parses back to an equal spec);
/// <see cref="Display"/> is the form for messages.</para>
/// <para>Only text that starts with a scheme and <c>://</c> is a URL. Everything else is a local path, resolved
/// against the current folder: on Linux <c>sftp:foo</c> (no <c>//</c>) is the relative folder <c>sftp:foo</c>, and on
/// Windows a one-letter scheme is a drive (<c>c:/x</c>, <c>C://x</c>). An unknown scheme (<c>ftp://</c>) is an error,
/// never a local folder of that name.</para>
/// </remarks>
public sealed class ProviderSpec : IEquatable<ProviderSpec>
{
    /// <summary>The port of an <c>sftp://</c> root that names none.</summary>
    public const int DefaultSftpPort = 22;

    /// <summary>The longest S3 key prefix, in UTF-8 bytes (S3 keys are at most 1024 bytes).</summary>
    internal const int MaxS3KeyBytes = 1024;

    private const string Forms = "a local folder, sftp://[user@]host[:port]/absolute/path or s3://bucket[/prefix]";

    private static readonly bool IsWindows = System.IO.Path.DirectorySeparatorChar == '\\';

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly string _canonical;

    private ProviderSpec(ProviderKind kind, string path, string? user = null, string? host = null, int port = 0, string? bucket = null)
    {
        Kind = kind;
        Path = path;
        User = user;
        Host = host;
        Port = port;
        Bucket = bucket;
        _canonical = kind switch
        {
            ProviderKind.Sftp => "sftp://" + (user is null ? "" : Encode(user, UserSafe) + "@") + host + (port == DefaultSftpPort ? "" : ":" + port.ToString(CultureInfo.InvariantCulture)) + Encode(path, PathSafe),
            ProviderKind.S3 => "s3://" + bucket + (path.Length == 0 ? "" : "/" + path),
            _ => path,
        };
    }

    /// <summary>The kind of storage.</summary>
    public ProviderKind Kind { get; }

    /// <summary>Whether the root is a local folder (<see cref="Path"/> is then a full local path).</summary>
    public bool IsLocal => Kind == ProviderKind.Local;

    /// <summary>
    /// Where on the storage the root is. Local: the full path (no trailing separator, except for a drive or file
    /// system root). SFTP: the absolute path on the server, percent-decoded, '/'-separated, without <c>.</c>
    /// segments or a trailing '/' (the server's root is <c>/</c>). S3: the key prefix without a leading or trailing
    /// '/' (empty for the whole bucket).
    /// </summary>
    public string Path { get; }

    /// <summary>SFTP: the user name (percent-decoded), or null for the SSH default; null for other kinds.</summary>
    public string? User { get; }

    /// <summary>
    /// SFTP: the host, lowercased (an international name in its ASCII form; an IPv6 address in brackets, in its
    /// compressed form); null for other kinds.
    /// </summary>
    public string? Host { get; }

    /// <summary>SFTP: the port (<see cref="DefaultSftpPort"/> when the root names none); 0 for other kinds.</summary>
    public int Port { get; }

    /// <summary>S3: the bucket; null for other kinds.</summary>
    public string? Bucket { get; }

    /// <summary>
    /// The root for messages and listings: user and path decoded so they read as typed (control characters stay
    /// percent-encoded). Never holds a secret. Not meant to be parsed again: use <see cref="ToString"/> for that.
    /// </summary>
    public string Display => Kind switch
    {
        ProviderKind.Sftp => "sftp://" + (User is null ? "" : Visible(User) + "@") + Host + (Port == DefaultSftpPort ? "" : ":" + Port.ToString(CultureInfo.InvariantCulture)) + Visible(Path),
        _ => _canonical,
    };

    /// <summary>
    /// What names the same storage for remote roots, for pair ids and overlap: SFTP without the user (two users on
    /// one host reach the same files) and always with the port; S3 as the canonical form. Local roots are compared
    /// by their real paths instead (<see cref="RealPaths"/>), which needs the disk.
    /// </summary>
    internal string Identity => Kind switch
    {
        ProviderKind.Sftp => "sftp://" + Host + ":" + Port.ToString(CultureInfo.InvariantCulture) + Encode(Path, PathSafe),
        _ => _canonical,
    };

    /// <summary>
    /// Parses a root. Throws <see cref="SyncEngineException"/> (<see cref="SyncErrorKind.InvalidArgument"/>) naming
    /// the root (without any secret) and what is wrong: <c>SyncRootSpecInvalid</c> (malformed),
    /// <c>SyncRootSpecSecret</c> (a password or key in the URL) or <c>SyncRootSpecUnsupportedScheme</c>.
    /// </summary>
    public static ProviderSpec Parse(string? text)
    {
        if (text is null || string.IsNullOrWhiteSpace(text))
        {
            throw Invalid(text ?? "", "The root is empty: give " + Forms + ".");
        }

        var scheme = SchemeOf(text, IsWindows);
        if (scheme is null)
        {
            return ParseLocal(text);
        }

        var rest = scheme.Length + 3;
        switch (scheme.ToLowerInvariant())
        {
            case "sftp":
                return ParseSftp(text, rest);
            case "s3":
                return ParseS3(text, rest);
            default:
                var hint = string.Equals(scheme, "file", StringComparison.OrdinalIgnoreCase) ? " For a local folder give its path." : "";
                throw new SyncEngineException("SyncRootSpecUnsupportedScheme", SyncErrorKind.InvalidArgument,
                    $"The root '{Redact(text)}' uses the scheme '{scheme}', which SyncEngine does not support: give {Forms}.{hint}", Redact(text));
        }
    }

    /// <summary>Parses a root; false (and null) where <see cref="Parse"/> would throw.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ProviderSpec? spec)
    {
        try
        {
            spec = Parse(text);
            return true;
        }
        catch (SyncEngineException)
        {
            spec = null;
            return false;
        }
    }

    /// <summary>
    /// Whether two roots are the same storage or one lies inside the other, so they cannot be a pair. Local roots are
    /// compared as <see cref="Roots.ValidatePair(string, string)"/> compares them (real paths, device and inode); SFTP
    /// roots by host (case-insensitive, no name resolution), port and path, not by user; S3 roots by bucket and
    /// prefix at '/' boundaries. Roots of different kinds never overlap.
    /// </summary>
    public static bool Overlaps(ProviderSpec a, ProviderSpec b) => Relation(a, b) != RootOverlap.None;

    /// <summary>How <paramref name="source"/> and <paramref name="destination"/> overlap, if they do.</summary>
    internal static RootOverlap Relation(ProviderSpec source, ProviderSpec destination)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }

        if (destination is null)
        {
            throw new ArgumentNullException(nameof(destination));
        }

        if (source.Kind != destination.Kind)
        {
            return RootOverlap.None;
        }

        switch (source.Kind)
        {
            case ProviderKind.Local:
                return Roots.LocalOverlap(source.Path, destination.Path, out _, out _);
            case ProviderKind.Sftp:
                return string.Equals(source.Host, destination.Host, StringComparison.Ordinal) && source.Port == destination.Port
                    ? Nested(source.Path, destination.Path, "/")
                    : RootOverlap.None;
            default:
                return string.Equals(source.Bucket, destination.Bucket, StringComparison.Ordinal)
                    ? Nested(source.Path, destination.Path, "")
                    : RootOverlap.None;
        }
    }

    /// <summary>How two '/'-separated paths nest; <paramref name="top"/> is the path that holds every other.</summary>
    private static RootOverlap Nested(string source, string destination, string top)
    {
        if (string.Equals(source, destination, StringComparison.Ordinal))
        {
            return RootOverlap.Same;
        }

        if (Inside(destination, source, top))
        {
            return RootOverlap.DestinationInsideSource;
        }

        return Inside(source, destination, top) ? RootOverlap.SourceInsideDestination : RootOverlap.None;
    }

    private static bool Inside(string inner, string outer, string top) =>
        string.Equals(outer, top, StringComparison.Ordinal)
        || (inner.Length > outer.Length && inner.StartsWith(outer, StringComparison.Ordinal) && inner[outer.Length] == '/');

    /// <summary>
    /// The scheme of a root that is a URL (a scheme, then <c>://</c>), or null for a local path. On Windows a
    /// one-letter scheme is a drive letter.
    /// </summary>
    internal static string? SchemeOf(string text, bool windows)
    {
        var end = text.IndexOf("://", StringComparison.Ordinal);
        if (end <= 0 || (windows && end == 1) || !IsAsciiLetter(text[0]))
        {
            return null;
        }

        for (var i = 1; i < end; i++)
        {
            var c = text[i];
            if (!IsAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
            {
                return null;
            }
        }

        return text.Substring(0, end);
    }

    /// <summary>
    /// The root with any password in its user info replaced by <c>***</c>, for messages. Text that is no URL is
    /// returned as it is.
    /// </summary>
    internal static string Redact(string text)
    {
        var scheme = SchemeOf(text, false);
        return scheme is not null && FindPassword(text, scheme.Length + 3, out var colon, out var at)
            ? text.Substring(0, colon) + ":***" + text.Substring(at)
            : text;
    }

    /// <summary>
    /// Finds a password in the user info of a URL whose authority starts at <paramref name="start"/>: the text from
    /// the first ':' of the user info (<paramref name="colon"/>) to the '@' that ends it (<paramref name="at"/>).
    /// A password typed with an unencoded '/', '?' or '#' ends the authority early (<c>user:pa/ss@host/x</c>): an
    /// authority whose ':' is followed by something that is not a port, with an '@' further on, counts as one too.
    /// </summary>
    private static bool FindPassword(string text, int start, out int colon, out int at)
    {
        var end = IndexOfAny(text, "/?#", start);
        if (end < 0)
        {
            end = text.Length;
        }

        at = end > start ? text.LastIndexOf('@', end - 1, end - start) : -1;
        if (at >= 0)
        {
            colon = text.IndexOf(':', start, at - start);
            return colon >= 0;
        }

        colon = text.IndexOf(':', start, end - start);
        if (colon < 0 || text[start] == '[')
        {
            return false;
        }

        for (var i = colon + 1; i < end; i++)
        {
            if (text[i] < '0' || text[i] > '9')
            {
                at = text.IndexOf('@', end);
                return at >= 0;
            }
        }

        return false;
    }

    private static ProviderSpec ParseLocal(string text)
    {
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(text);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Invalid(text, $"The root '{Visible(text)}' is not a valid local path: {ex.Message}");
        }

        return new ProviderSpec(ProviderKind.Local, RealPaths.Trim(full));
    }

    private static ProviderSpec ParseSftp(string text, int start)
    {
        if (FindPassword(text, start, out var colon, out var at))
        {
            throw new SyncEngineException("SyncRootSpecSecret", SyncErrorKind.InvalidArgument,
                $"The root '{Redact(text)}' holds a password. A password never goes in a root, where process listings, logs and the pair's state would show it: " +
                $"give the root as '{Visible(text.Substring(0, colon) + text.Substring(at))}' and the password through the SYNCENGINE_SFTP_PASSWORD environment variable or -Credential.",
                Redact(text));
        }

        var slash = text.IndexOf('/', start);
        var authority = slash < 0 ? text.Substring(start) : text.Substring(start, slash - start);
        string? user = null;
        var hostPort = authority;
        var userEnd = authority.LastIndexOf('@');
        if (userEnd >= 0)
        {
            if (userEnd == 0)
            {
                throw Invalid(text, $"The root '{Visible(text)}' has an empty user name before '@': give 'sftp://user@host/path', or leave out the '@' for the SSH default.");
            }

            user = Decode(text, authority.Substring(0, userEnd), "user name");
            hostPort = authority.Substring(userEnd + 1);
        }

        var (host, port) = HostAndPort(text, hostPort);
        if (slash < 0)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has no path: give the absolute folder on the server, such as 'sftp://{authority}/srv/data' ('sftp://{authority}/' is the server's root).");
        }

        var rawPath = text.Substring(slash);
        var query = IndexOfAny(rawPath, "?#", 0);
        if (query >= 0)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has a '{rawPath[query]}', which would start a URL's {(rawPath[query] == '?' ? "query" : "fragment")}: in a folder name write it as {(rawPath[query] == '?' ? "%3F" : "%23")}.");
        }

        var segments = new List<string>();
        foreach (var segment in Decode(text, rawPath, "path").Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                throw Invalid(text, $"The root '{Visible(text)}' has a '..' segment: give the folder's path without it.");
            }

            if (segment == "~" && segments.Count == 0)
            {
                throw Invalid(text, $"The root '{Visible(text)}' starts its path with '~': the path is absolute on the server (the home shorthand is not supported), such as 'sftp://{authority}/home/user/data'.");
            }

            segments.Add(segment);
        }

        return new ProviderSpec(ProviderKind.Sftp, "/" + string.Join("/", segments), user, host, port);
    }

    private static (string Host, int Port) HostAndPort(string text, string hostPort)
    {
        string host;
        string portText;
        if (hostPort.StartsWith("[", StringComparison.Ordinal))
        {
            var close = hostPort.IndexOf(']');
            if (close < 0)
            {
                throw Invalid(text, $"The root '{Visible(text)}' opens an IPv6 address with '[' but does not close it with ']'.");
            }

            var literal = hostPort.Substring(1, close - 1);
            if (literal.IndexOf('%') >= 0 || !IPAddress.TryParse(literal, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw Invalid(text, $"The root '{Visible(text)}' has '[{literal}]', which is not an IPv6 address{(literal.IndexOf('%') >= 0 ? " (zone ids are not supported)" : "")}.");
            }

            host = "[" + address.ToString().ToLowerInvariant() + "]";
            var after = hostPort.Substring(close + 1);
            if (after.Length > 0 && after[0] != ':')
            {
                throw Invalid(text, $"The root '{Visible(text)}' has '{after}' after the IPv6 address, where only ':port' may follow.");
            }

            portText = after.Length == 0 ? "" : after.Substring(1);
        }
        else
        {
            var colon = hostPort.IndexOf(':');
            if (colon >= 0 && hostPort.IndexOf(':', colon + 1) >= 0)
            {
                throw Invalid(text, $"The root '{Visible(text)}' has more than one ':' in its host: an IPv6 address goes in brackets, such as 'sftp://[::1]:2222/srv/data'.");
            }

            host = HostName(text, colon < 0 ? hostPort : hostPort.Substring(0, colon));
            portText = colon < 0 ? "" : hostPort.Substring(colon + 1);
        }

        return (host, PortNumber(text, portText));
    }

    private static string HostName(string text, string name)
    {
        if (name.Length == 0)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has no host: give 'sftp://[user@]host[:port]/absolute/path'.");
        }

        var ascii = name;
        foreach (var c in name)
        {
            if (c > 0x7F)
            {
                try
                {
                    ascii = new IdnMapping().GetAscii(name);
                }
                catch (ArgumentException)
                {
                    throw Invalid(text, $"The root '{Visible(text)}' has the host '{name}', which is not a valid host name.");
                }

                break;
            }
        }

        ascii = ascii.ToLowerInvariant();
        if (ascii.EndsWith(".", StringComparison.Ordinal))
        {
            ascii = ascii.Substring(0, ascii.Length - 1);
        }

        var valid = ascii.Length > 0 && ascii.Length <= 253;
        foreach (var label in ascii.Split('.'))
        {
            valid &= label.Length > 0 && label.Length <= 63;
            foreach (var c in label)
            {
                valid &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            }
        }

        if (!valid)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has the host '{name}', which is not a valid host name (letters, digits, '-', '_' and '.'; an IPv6 address goes in brackets).");
        }

        return ascii;
    }

    private static int PortNumber(string text, string portText)
    {
        if (portText.Length == 0)
        {
            return DefaultSftpPort;
        }

        var value = 0L;
        foreach (var c in portText)
        {
            value = c >= '0' && c <= '9' && value <= 65535 ? value * 10 + (c - '0') : long.MaxValue;
        }

        if (value < 1 || value > 65535)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has the port '{portText}': a port is a number from 1 to 65535.");
        }

        return (int)value;
    }

    private static ProviderSpec ParseS3(string text, int start)
    {
        if (FindPassword(text, start, out _, out _))
        {
            throw new SyncEngineException("SyncRootSpecSecret", SyncErrorKind.InvalidArgument,
                $"The root '{Redact(text)}' holds a key or password. Credentials never go in a root, where process listings, logs and the pair's state would show them: " +
                "give the root as 's3://bucket[/prefix]' and the credentials through the AWS credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile) or -Credential.",
                Redact(text));
        }

        var slash = text.IndexOf('/', start);
        var bucket = slash < 0 ? text.Substring(start) : text.Substring(start, slash - start);
        var prefix = slash < 0 ? "" : text.Substring(slash + 1);
        if (bucket.IndexOf('@') >= 0)
        {
            throw Invalid(text, $"The root '{Visible(text)}' names a user: an s3 root is 's3://bucket[/prefix]', and the credentials come from the AWS credential chain or -Credential.");
        }

        var problem = BucketProblem(bucket);
        if (problem is not null)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has {(bucket.Length == 0 ? "no bucket" : $"the bucket '{bucket}'")}: {problem}.");
        }

        if (prefix.StartsWith("/", StringComparison.Ordinal))
        {
            throw Invalid(text, $"The root '{Visible(text)}' has a prefix that starts with '/': give 's3://{bucket}/{prefix.TrimStart('/')}'.");
        }

        prefix = prefix.TrimEnd('/');
        if (prefix.Length > 0)
        {
            foreach (var segment in prefix.Split('/'))
            {
                if (segment.Length == 0 || segment == "." || segment == "..")
                {
                    throw Invalid(text, $"The root '{Visible(text)}' has {(segment.Length == 0 ? "an empty segment ('//')" : $"a '{segment}' segment")} in its prefix: S3 keys take them literally, so give the prefix without it.");
                }
            }

            CheckText(text, prefix, "prefix");
            if (StrictUtf8.GetByteCount(prefix) > MaxS3KeyBytes)
            {
                throw Invalid(text, $"The root '{Visible(text)}' has a prefix longer than S3's key limit of {MaxS3KeyBytes} bytes.");
            }
        }

        return new ProviderSpec(ProviderKind.S3, prefix, bucket: bucket);
    }

    /// <summary>What breaks S3's bucket naming rules, or null.</summary>
    private static string? BucketProblem(string bucket)
    {
        if (bucket.Length < 3 || bucket.Length > 63)
        {
            return "a bucket name has 3 to 63 characters";
        }

        foreach (var c in bucket)
        {
            if (c >= 'A' && c <= 'Z')
            {
                return "a bucket name is lowercase";
            }

            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            {
                return "a bucket name has only lowercase letters, digits, '.' and '-'";
            }
        }

        if (!char.IsLetterOrDigit(bucket[0]) || !char.IsLetterOrDigit(bucket[bucket.Length - 1]))
        {
            return "a bucket name starts and ends with a letter or digit";
        }

        if (bucket.IndexOf("..", StringComparison.Ordinal) >= 0)
        {
            return "a bucket name has no two adjacent periods";
        }

        var parts = bucket.Split('.');
        var ip = parts.Length == 4;
        foreach (var part in parts)
        {
            foreach (var c in part)
            {
                ip &= c >= '0' && c <= '9';
            }
        }

        return ip ? "a bucket name is not an IP address" : null;
    }

    /// <summary>
    /// Percent-decodes (RFC 3986) a part of an sftp root; characters that a URL would encode (spaces, non-ASCII) are
    /// taken as typed. The result must be UTF-8 without control characters.
    /// </summary>
    private static string Decode(string text, string raw, string what)
    {
        var bytes = new List<byte>(raw.Length);
        var run = new StringBuilder();
        try
        {
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] != '%')
                {
                    run.Append(raw[i]);
                    continue;
                }

                if (i + 2 >= raw.Length || HexValue(raw[i + 1]) < 0 || HexValue(raw[i + 2]) < 0)
                {
                    throw Invalid(text, $"The root '{Visible(text)}' has a '%' in its {what} that is not followed by two hex digits: write a '%' itself as %25.");
                }

                bytes.AddRange(StrictUtf8.GetBytes(run.ToString()));
                run.Clear();
                bytes.Add((byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2])));
                i += 2;
            }

            bytes.AddRange(StrictUtf8.GetBytes(run.ToString()));
            var decoded = StrictUtf8.GetString(bytes.ToArray());
            CheckText(text, decoded, what);
            return decoded;
        }
        catch (ArgumentException ex) when (ex is EncoderFallbackException or DecoderFallbackException)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has a {what} that is not valid UTF-8 once percent-decoded.");
        }
    }

    private static void CheckText(string text, string value, string what)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw Invalid(text, $"The root '{Visible(text)}' has a control character in its {what}.");
            }
        }

        try
        {
            StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw Invalid(text, $"The root '{Visible(text)}' has a {what} that is not valid Unicode (a lone surrogate).");
        }
    }

    private static int HexValue(char c) =>
        c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

    /// <summary>Characters a URL path keeps as they are (RFC 3986 pchar and '/'); every other byte is percent-encoded.</summary>
    private const string PathSafe = "-._~!$&'()*+,;=:@/";

    /// <summary>Characters a URL's user name keeps (user info without the ':' that would start a password).</summary>
    private const string UserSafe = "-._~!$&'()*+,;=";

    private static string Encode(string value, string safe)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in StrictUtf8.GetBytes(value))
        {
            var c = (char)b;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (b < 0x80 && safe.IndexOf(c) >= 0))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>The text with control characters percent-encoded, so a message shows them.</summary>
    private static string Visible(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsControl(c) && c < 0x100)
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static int IndexOfAny(string text, string chars, int start)
    {
        for (var i = start; i < text.Length; i++)
        {
            if (chars.IndexOf(text[i]) >= 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

    /// <summary>A malformed root. Callers pass the root only after its password was ruled out.</summary>
    private static SyncEngineException Invalid(string text, string message) =>
        new("SyncRootSpecInvalid", SyncErrorKind.InvalidArgument, message, Visible(text));

    /// <summary>The canonical form: parses back to an equal spec. Never holds a secret.</summary>
    public override string ToString() => _canonical;

    /// <summary>Whether both name the same root the same way (same canonical form, user included).</summary>
    public bool Equals(ProviderSpec? other) => other is not null && string.Equals(_canonical, other._canonical, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ProviderSpec);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_canonical);
}

/// <summary>How two roots overlap.</summary>
internal enum RootOverlap
{
    /// <summary>They are apart.</summary>
    None,
    /// <summary>They are the same folder (or prefix).</summary>
    Same,
    /// <summary>The destination lies inside the source.</summary>
    DestinationInsideSource,
    /// <summary>The source lies inside the destination.</summary>
    SourceInsideDestination,
}
