using System;
using System.IO;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Roots as provider specs (issue 11 item 1, DESIGN.md "Sides are providers, not paths"): parsing, secrets, overlap, pair ids.</summary>
public class ProviderSpecTests
{
    // text, user, host, port, path, canonical form
    public static TheoryData<string, string?, string, int, string, string> ValidSftp() => new()
    {
        { "sftp://host/a", null, "host", 22, "/a", "sftp://host/a" },
        { "SFTP://Backup@NAS.Example:2222/srv/data/", "Backup", "nas.example", 2222, "/srv/data", "sftp://Backup@nas.example:2222/srv/data" },
        { "sftp://host/", null, "host", 22, "/", "sftp://host/" },
        { "sftp://host:22/a//b/./c/", null, "host", 22, "/a/b/c", "sftp://host/a/b/c" },
        { "sftp://host:/x", null, "host", 22, "/x", "sftp://host/x" },
        { "sftp://host:00022/x", null, "host", 22, "/x", "sftp://host/x" },
        { "sftp://u%40corp@host/my%20files/caf%C3%A9", "u@corp", "host", 22, "/my files/caf\u00e9", "sftp://u%40corp@host/my%20files/caf%C3%A9" },
        { "sftp://a%3Ab@host/x", "a:b", "host", 22, "/x", "sftp://a%3Ab@host/x" },
        { "sftp://host/my files/caf\u00e9", null, "host", 22, "/my files/caf\u00e9", "sftp://host/my%20files/caf%C3%A9" },
        { "sftp://host/100%25/a@b:c", null, "host", 22, "/100%/a@b:c", "sftp://host/100%25/a@b:c" },
        { "sftp://host/a%2Fb", null, "host", 22, "/a/b", "sftp://host/a/b" },
        { "sftp://host/%2E/x", null, "host", 22, "/x", "sftp://host/x" },
        { "sftp://host/a/~", null, "host", 22, "/a/~", "sftp://host/a/~" },
        { "sftp://[::1]:2222/srv", null, "[::1]", 2222, "/srv", "sftp://[::1]:2222/srv" },
        { "sftp://[0:0:0:0:0:0:0:1]/srv", null, "[::1]", 22, "/srv", "sftp://[::1]/srv" },
        { "sftp://[FE80::A]/srv", null, "[fe80::a]", 22, "/srv", "sftp://[fe80::a]/srv" },
        { "sftp://192.168.1.5:65535/srv", null, "192.168.1.5", 65535, "/srv", "sftp://192.168.1.5:65535/srv" },
        { "sftp://host./x", null, "host", 22, "/x", "sftp://host/x" },
        { "sftp://my_nas/x", null, "my_nas", 22, "/x", "sftp://my_nas/x" },
        { "sftp://b\u00fccher.example/x", null, "xn--bcher-kva.example", 22, "/x", "sftp://xn--bcher-kva.example/x" },
    };

    // text, bucket, prefix, canonical form
    public static TheoryData<string, string, string, string> ValidS3() => new()
    {
        { "s3://my-bucket", "my-bucket", "", "s3://my-bucket" },
        { "s3://abc/", "abc", "", "s3://abc" },
        { "S3://my.bucket.1/a/b/", "my.bucket.1", "a/b", "s3://my.bucket.1/a/b" },
        { "s3://abc/x%20y/100%/q?#", "abc", "x%20y/100%/q?#", "s3://abc/x%20y/100%/q?#" },
        { "s3://abc/caf\u00e9 files", "abc", "caf\u00e9 files", "s3://abc/caf\u00e9 files" },
        { "s3://1.2.3", "1.2.3", "", "s3://1.2.3" },
        { "s3://" + new string('a', 63), new string('a', 63), "", "s3://" + new string('a', 63) },
    };

    // text, error id, what the message says
    public static TheoryData<string?, string, string> Invalid() => new()
    {
        { null, "SyncRootSpecInvalid", "empty" },
        { "", "SyncRootSpecInvalid", "empty" },
        { "   ", "SyncRootSpecInvalid", "empty" },
        { "sftp://host", "SyncRootSpecInvalid", "has no path" },
        { "sftp://user@host:2222", "SyncRootSpecInvalid", "'sftp://user@host:2222/' is the server's root" },
        { "sftp://", "SyncRootSpecInvalid", "has no host" },
        { "sftp:///srv", "SyncRootSpecInvalid", "has no host" },
        { "sftp://user@/srv", "SyncRootSpecInvalid", "has no host" },
        { "sftp://@host/srv", "SyncRootSpecInvalid", "empty user name" },
        { "sftp://host:0/x", "SyncRootSpecInvalid", "from 1 to 65535" },
        { "sftp://host:65536/x", "SyncRootSpecInvalid", "from 1 to 65535" },
        { "sftp://host:99999999999999999999999/x", "SyncRootSpecInvalid", "from 1 to 65535" },
        { "sftp://host:-1/x", "SyncRootSpecInvalid", "from 1 to 65535" },
        { "sftp://host:ssh/x", "SyncRootSpecInvalid", "from 1 to 65535" },
        { "sftp://host/a/../b", "SyncRootSpecInvalid", "'..'" },
        { "sftp://host/..", "SyncRootSpecInvalid", "'..'" },
        { "sftp://host/a/%2E%2E/b", "SyncRootSpecInvalid", "'..'" },
        { "sftp://host/~/data", "SyncRootSpecInvalid", "'~'" },
        { "sftp://host/a?b", "SyncRootSpecInvalid", "%3F" },
        { "sftp://host/a#b", "SyncRootSpecInvalid", "%23" },
        { "sftp://host/a%zz", "SyncRootSpecInvalid", "two hex digits" },
        { "sftp://host/a%4", "SyncRootSpecInvalid", "two hex digits" },
        { "sftp://us%2@host/a", "SyncRootSpecInvalid", "two hex digits" },
        { "sftp://host/a%00b", "SyncRootSpecInvalid", "control character" },
        { "sftp://host/a\nb", "SyncRootSpecInvalid", "control character" },
        { "sftp://u%0A@host/a", "SyncRootSpecInvalid", "control character" },
        { "sftp://host/%FF", "SyncRootSpecInvalid", "UTF-8" },
        { "sftp://::1/x", "SyncRootSpecInvalid", "brackets" },
        { "sftp://[::1/x", "SyncRootSpecInvalid", "']'" },
        { "sftp://[zz]/x", "SyncRootSpecInvalid", "not an IPv6 address" },
        { "sftp://[1.2.3.4]/x", "SyncRootSpecInvalid", "not an IPv6 address" },
        { "sftp://[fe80::1%25eth0]/x", "SyncRootSpecInvalid", "zone ids" },
        { "sftp://[::1]x/x", "SyncRootSpecInvalid", "only ':port'" },
        { "sftp://ho st/x", "SyncRootSpecInvalid", "not a valid host name" },
        { "sftp://a..b/x", "SyncRootSpecInvalid", "not a valid host name" },
        { "sftp://.host/x", "SyncRootSpecInvalid", "not a valid host name" },
        { "sftp://host%41/x", "SyncRootSpecInvalid", "not a valid host name" },
        { "sftp://host?x/y", "SyncRootSpecInvalid", "not a valid host name" },
        { "sftp://" + new string('a', 64) + "/x", "SyncRootSpecInvalid", "not a valid host name" },
        { "s3://", "SyncRootSpecInvalid", "no bucket" },
        { "s3://ab", "SyncRootSpecInvalid", "3 to 63 characters" },
        { "s3://" + new string('a', 64), "SyncRootSpecInvalid", "3 to 63 characters" },
        { "s3://My-Bucket", "SyncRootSpecInvalid", "lowercase" },
        { "s3://my_bucket", "SyncRootSpecInvalid", "only lowercase letters, digits" },
        { "s3://-abc", "SyncRootSpecInvalid", "starts and ends with a letter or digit" },
        { "s3://abc./x", "SyncRootSpecInvalid", "starts and ends with a letter or digit" },
        { "s3://a..b", "SyncRootSpecInvalid", "adjacent periods" },
        { "s3://192.168.5.4", "SyncRootSpecInvalid", "not an IP address" },
        { "s3://bucket//x", "SyncRootSpecInvalid", "starts with '/'" },
        { "s3://bucket/a//b", "SyncRootSpecInvalid", "empty segment" },
        { "s3://bucket/a/../b", "SyncRootSpecInvalid", "'..'" },
        { "s3://bucket/./b", "SyncRootSpecInvalid", "'.'" },
        { "s3://bucket/a\tb", "SyncRootSpecInvalid", "control character" },
        { "s3://bucket/" + new string('k', 1025), "SyncRootSpecInvalid", "1024 bytes" },
        { "s3://me@bucket/x", "SyncRootSpecInvalid", "names a user" },
        { "ftp://host/x", "SyncRootSpecUnsupportedScheme", "the scheme 'ftp'" },
        { "http://host/x", "SyncRootSpecUnsupportedScheme", "the scheme 'http'" },
        { "SMB://server/share", "SyncRootSpecUnsupportedScheme", "the scheme 'SMB'" },
        { "file:///tmp/x", "SyncRootSpecUnsupportedScheme", "For a local folder give its path" },
        { "sftp://user:hunter2@host/x", "SyncRootSpecSecret", "SYNCENGINE_SFTP_PASSWORD" },
        { "s3://AKIAEXAMPLE:hunter2@bucket/x", "SyncRootSpecSecret", "AWS_SECRET_ACCESS_KEY" },
    };

    // A secret must be refused, without appearing anywhere in the error: each holds "hunter2".
    public static TheoryData<string, string, string> Secrets() => new()
    {
        { "sftp://backup:hunter2@nas/srv/data", "SyncRootSpecSecret", "sftp://backup:***@nas/srv/data" },
        { "sftp://backup:@nas/srv/data", "SyncRootSpecSecret", "sftp://backup:***@nas/srv/data" },
        { "sftp://backup:hunter2@nas:2222/srv/data", "SyncRootSpecSecret", "sftp://backup:***@nas:2222/srv/data" },
        { "sftp://backup:p@ss:hunter2@nas/srv", "SyncRootSpecSecret", "sftp://backup:***@nas/srv" },
        { "sftp://backup:hun/ter2@nas/srv", "SyncRootSpecSecret", "sftp://backup:***@nas/srv" },
        { "sftp://backup:hun?ter2@nas/srv", "SyncRootSpecSecret", "sftp://backup:***@nas/srv" },
        { "sftp://backup:hun#ter2@nas/srv", "SyncRootSpecSecret", "sftp://backup:***@nas/srv" },
        { "sftp://backup:hunter2@nas", "SyncRootSpecSecret", "sftp://backup:***@nas" },
        { "sftp://backup:hunter2@[::1]:2222/srv", "SyncRootSpecSecret", "sftp://backup:***@[::1]:2222/srv" },
        { "SFTP://backup:hunter2@nas/../x", "SyncRootSpecSecret", "SFTP://backup:***@nas/../x" },
        { "s3://AKIAEXAMPLE:hunter2@bucket/x", "SyncRootSpecSecret", "s3://AKIAEXAMPLE:***@bucket/x" },
        { "ftp://backup:hunter2@nas/srv", "SyncRootSpecUnsupportedScheme", "ftp://backup:***@nas/srv" },
        { "https://backup:hunter2@nas/srv", "SyncRootSpecUnsupportedScheme", "https://backup:***@nas/srv" },
    };

    // text, on Windows, scheme (null: a local path)
    public static TheoryData<string, bool, string?> Schemes() => new()
    {
        { "sftp://h/x", false, "sftp" },
        { "sftp://h/x", true, "sftp" },
        { "s3+x.y-z://b", false, "s3+x.y-z" },
        { "c:/x", true, null },
        { "C://x", true, null },
        { "c://x", false, "c" },
        { @"C:\x", true, null },
        { @"C:\x", false, null },
        { @"\\server\share", true, null },
        { @"\\server\share", false, null },
        { "//server/share", true, null },
        { "sftp:foo", false, null },
        { "sftp:/foo", false, null },
        { "/a/b://c", false, null },
        { "./sftp://h/x", false, null },
        { " sftp://h/x", false, null },
        { "1ab://x", false, null },
        { "://x", false, null },
        { "", false, null },
    };

    [Theory]
    [MemberData(nameof(ValidSftp))]
    public void An_sftp_root_is_parsed_into_its_parts_and_a_canonical_form(string text, string? user, string host, int port, string path, string canonical)
    {
        var spec = ProviderSpec.Parse(text);

        Assert.Equal(ProviderKind.Sftp, spec.Kind);
        Assert.False(spec.IsLocal);
        Assert.Equal(user, spec.User);
        Assert.Equal(host, spec.Host);
        Assert.Equal(port, spec.Port);
        Assert.Equal(path, spec.Path);
        Assert.Null(spec.Bucket);
        Assert.Equal(canonical, spec.ToString());
        Assert.True(ProviderSpec.TryParse(text, out var again));
        Assert.Equal(spec, again);
    }

    [Theory]
    [MemberData(nameof(ValidS3))]
    public void An_s3_root_is_a_bucket_and_a_literal_prefix(string text, string bucket, string prefix, string canonical)
    {
        var spec = ProviderSpec.Parse(text);

        Assert.Equal(ProviderKind.S3, spec.Kind);
        Assert.Equal(bucket, spec.Bucket);
        Assert.Equal(prefix, spec.Path);
        Assert.Null(spec.Host);
        Assert.Null(spec.User);
        Assert.Equal(0, spec.Port);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(canonical, spec.Display);
    }

    [Theory]
    [MemberData(nameof(ValidSftp))]
    [MemberData(nameof(ValidS3Texts))]
    [InlineData("/tmp/se-spec/a/", null, "", 0, "", "")]
    public void The_canonical_form_parses_back_to_an_equal_spec(string text, string? user, string host, int port, string path, string canonical)
    {
        _ = (user, host, port, path, canonical);
        var spec = ProviderSpec.Parse(text);
        var again = ProviderSpec.Parse(spec.ToString());

        Assert.Equal(spec, again);
        Assert.Equal(spec.ToString(), again.ToString());
        Assert.Equal(spec.GetHashCode(), again.GetHashCode());
        Assert.Equal(spec.Kind, again.Kind);
        Assert.Equal(spec.Path, again.Path);
        Assert.Equal(spec.User, again.User);
        Assert.Equal(spec.Host, again.Host);
        Assert.Equal(spec.Port, again.Port);
        Assert.Equal(spec.Bucket, again.Bucket);
        Assert.Equal(spec.Display, again.Display);
    }

    public static TheoryData<string, string?, string, int, string, string> ValidS3Texts()
    {
        var data = new TheoryData<string, string?, string, int, string, string>();
        foreach (var row in ValidS3())
        {
            data.Add((string)row[0], null, "", 0, "", "");
        }

        return data;
    }

    [Fact]
    public void The_display_form_reads_as_typed()
    {
        Assert.Equal("sftp://u@corp@host/my files/caf\u00e9", ProviderSpec.Parse("sftp://u%40corp@host/my%20files/caf%C3%A9").Display);
        Assert.Equal("sftp://backup@nas:2222/srv/data", ProviderSpec.Parse("sftp://backup@NAS:2222/srv/data/").Display);
        Assert.Equal("sftp://[::1]/", ProviderSpec.Parse("sftp://[::1]/").Display);
    }

    [SkippableFact]
    public void Local_paths_are_full_paths_as_before()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix paths");
        var cwd = Directory.GetCurrentDirectory();

        var spec = ProviderSpec.Parse("/tmp/se-spec/a/");
        Assert.Equal(ProviderKind.Local, spec.Kind);
        Assert.True(spec.IsLocal);
        Assert.Equal("/tmp/se-spec/a", spec.Path);
        Assert.Equal("/tmp/se-spec/a", spec.ToString());
        Assert.Equal("/tmp/se-spec/a", spec.Display);
        Assert.Null(spec.Host);
        Assert.Equal("/", ProviderSpec.Parse("/").Path);
        Assert.Equal("/tmp/x", ProviderSpec.Parse("/tmp/y/../x").Path);

        // Not a URL: a relative path (sftp:foo, without '//', is a folder named so), or a path holding "://" later on.
        Assert.Equal(Path.Combine(cwd, "sftp:foo"), ProviderSpec.Parse("sftp:foo").Path);
        Assert.Equal(Path.Combine(cwd, "rel", "x"), ProviderSpec.Parse("rel/x").Path);
        Assert.Equal("/a/b:/c", ProviderSpec.Parse("/a/b://c").Path);
        Assert.Equal(Path.Combine(cwd, @"C:\x"), ProviderSpec.Parse(@"C:\x").Path);
        Assert.Equal(ProviderKind.Local, ProviderSpec.Parse(" sftp://host/x").Kind);
    }

    [SkippableFact]
    public void Windows_paths_are_local()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), "Windows paths");
        Assert.Equal(@"C:\x", ProviderSpec.Parse("c:/x").Path, ignoreCase: true);
        Assert.Equal(@"C:\x", ProviderSpec.Parse("C://x").Path, ignoreCase: true);
        Assert.Equal(@"C:\x", ProviderSpec.Parse(@"C:\x\").Path);
        Assert.Equal(@"\\server\share\data", ProviderSpec.Parse(@"\\server\share\data").Path);
        Assert.Equal(ProviderKind.Local, ProviderSpec.Parse("//server/share/data").Kind);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Only_a_scheme_followed_by_two_slashes_makes_a_url(string text, bool windows, string? scheme)
    {
        Assert.Equal(scheme, ProviderSpec.SchemeOf(text, windows));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_malformed_root_is_refused_with_a_stable_id_naming_the_root_and_the_problem(string? text, string errorId, string problem)
    {
        var ex = ThrowsSync(() => ProviderSpec.Parse(text), errorId);

        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        if (!string.IsNullOrWhiteSpace(text) && errorId != "SyncRootSpecSecret" && !HasControl(text))
        {
            Assert.Contains("'" + text + "'", ex.Message, StringComparison.Ordinal);
            Assert.Equal(text, ex.Target);
        }

        Assert.False(ProviderSpec.TryParse(text, out var spec));
        Assert.Null(spec);
        ThrowsSync(() => SyncPair.ComputeId(text!, "/tmp/se-spec/d"), errorId);
    }

    [Fact]
    public void A_lone_surrogate_is_refused()
    {
        // Not in the table: xunit's serialisation of theory data replaces a lone surrogate.
        Assert.Contains("UTF-8", ThrowsSync(() => ProviderSpec.Parse("sftp://host/a\ud800"), "SyncRootSpecInvalid").Message, StringComparison.Ordinal);
        Assert.Contains("lone surrogate", ThrowsSync(() => ProviderSpec.Parse("s3://bucket/a\udc00"), "SyncRootSpecInvalid").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_control_character_is_shown_percent_encoded_in_the_message()
    {
        var ex = ThrowsSync(() => ProviderSpec.Parse("sftp://host/a\nb"), "SyncRootSpecInvalid");

        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'sftp://host/a%0Ab'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("sftp://host/a%0Ab", ex.Target);
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void A_password_in_a_root_is_refused_and_never_repeated(string text, string errorId, string redacted)
    {
        var ex = ThrowsSync(() => ProviderSpec.Parse(text), errorId);

        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        foreach (var part in new[] { "hunter2", "hun", "ter2" })
        {
            Assert.DoesNotContain(part, ex.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(redacted, ex.Target);
        Assert.Contains("'" + redacted + "'", ex.Message, StringComparison.Ordinal);
        Assert.False(ProviderSpec.TryParse(text, out _));
        var viaId = Assert.ThrowsAny<SyncEngineException>(() => SyncPair.ComputeId("/tmp/se-spec/s", text));
        Assert.DoesNotContain("hunter2", viaId.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_refusal_says_how_to_give_the_password_and_the_root()
    {
        var ex = ThrowsSync(() => ProviderSpec.Parse("sftp://backup:hunter2@nas/srv/data"), "SyncRootSpecSecret");

        Assert.Contains("SYNCENGINE_SFTP_PASSWORD", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-Credential", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'sftp://backup@nas/srv/data'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encoded_colon_belongs_to_the_user_name_and_redaction_touches_only_user_info()
    {
        // User names that merely look odd are not passwords: an encoded ':' belongs to the name.
        var spec = ProviderSpec.Parse("sftp://a%3Ab@host/x");
        Assert.Equal("a:b", spec.User);
        Assert.Equal("sftp://a%3Ab@host/x", spec.ToString());
        Assert.Equal(spec, ProviderSpec.Parse(spec.ToString()));
        Assert.Equal("sftp://a:b@host/x", spec.Display);
        Assert.Equal("sftp://backup:***@nas/x", ProviderSpec.Redact("sftp://backup:hunter2@nas/x"));
        Assert.Equal("sftp://nas:2222/x@y", ProviderSpec.Redact("sftp://nas:2222/x@y"));
        Assert.Equal("/a:b@c", ProviderSpec.Redact("/a:b@c"));
    }

    // a, b, overlap
    public static TheoryData<string, string, bool> RemoteOverlaps() => new()
    {
        { "sftp://host/a", "sftp://host/a", true },
        { "sftp://u@host/a", "sftp://v@HOST:22/a/", true },
        { "sftp://host/a", "sftp://host/a/b", true },
        { "sftp://host/a/b/c", "sftp://host/a", true },
        { "sftp://host/", "sftp://host/x", true },
        { "sftp://host/x", "sftp://host/", true },
        { "sftp://host/a%20b", "sftp://host/a b/c", true },
        { "sftp://[::1]/a", "sftp://[0::1]:22/a/b", true },
        { "sftp://host/a", "sftp://host/ab", false },
        { "sftp://host/ab", "sftp://host/a", false },
        { "sftp://host/a", "sftp://host/b", false },
        { "sftp://host/a", "sftp://host/A", false },
        { "sftp://host/a", "sftp://host:2222/a", false },
        { "sftp://host/a", "sftp://other/a", false },
        { "sftp://host/a", "sftp://host.example/a", false },
        { "s3://bkt/x", "s3://bkt/x/", true },
        { "s3://bkt", "s3://bkt/x", true },
        { "s3://bkt/x/y", "s3://bkt/x", true },
        { "s3://bkt", "s3://bkt/", true },
        { "s3://bkt/x", "s3://bkt/xy", false },
        { "s3://bkt/x", "s3://bkt/X", false },
        { "s3://bkt/x", "s3://bk2/x", false },
        { "sftp://host/a", "s3://host/a", false },
        { "/tmp/se-spec/a", "sftp://tmp/se-spec/a", false },
        { "/tmp/se-spec/a", "s3://tmp/se-spec/a", false },
    };

    [Theory]
    [MemberData(nameof(RemoteOverlaps))]
    public void Remote_roots_overlap_when_one_names_storage_inside_the_other(string a, string b, bool overlap)
    {
        var x = ProviderSpec.Parse(a);
        var y = ProviderSpec.Parse(b);

        Assert.Equal(overlap, ProviderSpec.Overlaps(x, y));
        Assert.Equal(overlap, ProviderSpec.Overlaps(y, x));
        if (overlap)
        {
            var ex = ThrowsSync(() => Roots.ValidatePair(x, y), "SyncRootsOverlap");
            Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
            Assert.Contains(x.Display, ex.Message, StringComparison.Ordinal);
            Assert.Contains(y.Display, ex.Message, StringComparison.Ordinal);
        }
        else if (!x.IsLocal)
        {
            Roots.ValidatePair(x, y);
        }
    }

    [Fact]
    public void The_overlap_message_explains_that_the_user_does_not_matter()
    {
        var ex = ThrowsSync(() => Roots.ValidatePair(ProviderSpec.Parse("sftp://alice@nas/srv"), ProviderSpec.Parse("sftp://bob@nas/srv/data")), "SyncRootsOverlap");

        Assert.Contains("The destination 'sftp://bob@nas/srv/data' lies inside the source 'sftp://alice@nas/srv'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("two users of one server reach the same files", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Local_roots_overlap_as_the_pair_check_says_links_included()
    {
        using var t = new TestPair();
        var source = ProviderSpec.Parse(t.Source);
        var destination = ProviderSpec.Parse(t.Destination);

        Assert.False(ProviderSpec.Overlaps(source, destination));
        Roots.ValidatePair(source, destination);
        Assert.True(ProviderSpec.Overlaps(source, source));
        Assert.True(ProviderSpec.Overlaps(source, ProviderSpec.Parse(Path.Combine(t.Source, "inner"))));
        Assert.True(ProviderSpec.Overlaps(ProviderSpec.Parse(Path.Combine(t.Destination, "a", "b")), destination));
        ThrowsSync(() => Roots.ValidatePair(source, ProviderSpec.Parse(Path.Combine(t.Source, "inner"))), "SyncRootsOverlap");

        Skip.If(OperatingSystem.IsWindows(), "creating symbolic links needs a privilege on Windows");
        var link = Path.Combine(t.Root, "dst-link");
        Directory.CreateSymbolicLink(link, Path.Combine(t.Destination));
        Assert.True(ProviderSpec.Overlaps(ProviderSpec.Parse(Path.Combine(link, "x")), destination));
    }

    [Fact]
    public void A_local_side_of_a_remote_pair_is_checked_as_before()
    {
        using var t = new TestPair();
        var remote = ProviderSpec.Parse("sftp://nas/srv/data");

        Roots.ValidatePair(ProviderSpec.Parse(t.Source), remote);
        Roots.ValidatePair(remote, ProviderSpec.Parse(Path.Combine(t.Destination, "not-yet")));
        ThrowsSync(() => Roots.ValidatePair(ProviderSpec.Parse(Path.Combine(t.Root, "missing")), remote), "SyncRootNotFound");
        var file = Path.Combine(t.Root, "file.txt");
        File.WriteAllText(file, "x");
        ThrowsSync(() => Roots.ValidatePair(ProviderSpec.Parse(file), remote), "SyncRootNotFolder");
        ThrowsSync(() => Roots.ValidatePair(remote, ProviderSpec.Parse(file)), "SyncRootNotFolder");
    }

    // Ids of local pairs as the engine derived them before roots became specs (computed by that code): a state
    // folder named by them must still be found.
    [SkippableTheory]
    [InlineData("/syncengine-id-test/src", "/syncengine-id-test/dst", "51b69f8839946a87")]
    [InlineData("/", "/syncengine-id-test/dst", "05ccfa106734af70")]
    [InlineData("/syncengine-id-test/Caf\u00e9 files/", "/syncengine-id-test/x/../b c", "e84f4873cab9a6fa")]
    public void The_id_of_a_local_pair_is_unchanged(string source, string destination, string id)
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix paths");
        Assert.Equal(id, SyncPair.ComputeId(source, destination));
        Assert.Equal(id, SyncPair.ComputeId(ProviderSpec.Parse(source), ProviderSpec.Parse(destination)));
        Assert.Equal(id, new SyncPair(source, destination).Id);
    }

    [SkippableFact]
    public void The_id_of_a_local_pair_is_unchanged_on_windows()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), "Windows paths");
        Assert.Equal("99cde5faa865eb39", SyncPair.ComputeId(@"C:\syncengine-id-test\src", @"c:\SyncEngine-Id-Test\dst\"));
    }

    [Theory]
    [InlineData("sftp://u@Host:22/a/", "sftp://host/a")]
    [InlineData("sftp://alice@host/a", "sftp://bob@host/a")]
    [InlineData("sftp://host/a%20b/./c", "sftp://HOST./a b//c")]
    [InlineData("sftp://[::1]:2222/a", "sftp://[0:0::1]:2222/a")]
    [InlineData("s3://bkt/x/", "s3://bkt/x")]
    [InlineData("S3://bkt", "s3://bkt/")]
    public void Equivalent_remote_roots_have_one_id_and_one_state_folder(string a, string b)
    {
        const string local = "/tmp/se-spec/local";
        var id = SyncPair.ComputeId(local, a);

        Assert.Equal(id, SyncPair.ComputeId(local, b));
        Assert.Equal(id, SyncPair.ComputeId(ProviderSpec.Parse(local), ProviderSpec.Parse(b)));
        Assert.Equal(SyncPair.ComputeId(a, local), SyncPair.ComputeId(b, local));
        Assert.Equal(SyncPair.ComputeId(a, b), SyncPair.ComputeId(b, a));
        Assert.Matches("^[0-9a-f]{16}$", id);
        Assert.Equal(Path.Combine(SyncPair.StateRoot(), "pairs", id), SyncPair.DefaultStatePath(local, b));

        // Pairs with a remote side have no id of an earlier version: their state folder is the one by the id.
        Assert.Equal(id, SyncPair.LiteralId(local, a));
        Assert.Equal(SyncPair.DefaultStatePath(local, a), new SyncPair(local, a).ResolvedStatePath);
    }

    [Theory]
    [InlineData("sftp://host/a", "sftp://host:2222/a")]
    [InlineData("sftp://host/a", "sftp://other/a")]
    [InlineData("sftp://host/a", "sftp://host/a/b")]
    [InlineData("sftp://host/a", "sftp://host/A")]
    [InlineData("s3://bkt/x", "s3://bkt/x/y")]
    [InlineData("s3://bkt/x", "s3://bk2/x")]
    [InlineData("sftp://bkt/x", "s3://bkt/x")]
    [InlineData("/tmp/se-spec/r/x", "sftp://tmp/se-spec/r/x")]
    public void Different_roots_have_different_ids(string a, string b)
    {
        const string local = "/tmp/se-spec/local";
        Assert.NotEqual(SyncPair.ComputeId(local, a), SyncPair.ComputeId(local, b));
        Assert.NotEqual(SyncPair.ComputeId(local, a), SyncPair.ComputeId(a, local));
    }

    private static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
