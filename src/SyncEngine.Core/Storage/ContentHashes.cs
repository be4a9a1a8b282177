using System;
using System.Collections.Generic;

namespace SyncEngine.Storage;

/// <summary>The names of the content hashes the engine knows, as they appear in listings, the state and the journal.</summary>
public static class HashAlgorithms
{
    /// <summary>SHA-256, lowercase hex: the engine's common algorithm, which every side can give by reading content.</summary>
    public const string Sha256 = "sha256";

    /// <summary>MD5, lowercase hex: what an S3 store lists as the ETag of an object uploaded in one part.</summary>
    public const string Md5 = "md5";

    /// <summary>Whether <paramref name="name"/> is a known algorithm name (lowercase, exact).</summary>
    public static bool IsKnown(string? name) => name is Sha256 or Md5;

    /// <summary>Whether <paramref name="value"/> is a well-formed digest of <paramref name="algorithm"/>: lowercase hex of its length.</summary>
    public static bool IsValid(string algorithm, string? value)
    {
        var length = algorithm switch
        {
            Sha256 => 64,
            Md5 => 32,
            _ => -1,
        };
        if (value is null || value.Length != length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A set of content hashes keyed by algorithm (<see cref="HashAlgorithms"/>), at most one value per algorithm.
/// Immutable. Two versions are compared by hash only on an algorithm both have (<see cref="TryCompare"/>): a side's
/// native MD5 is never compared with another side's SHA-256.
/// </summary>
public sealed class ContentHashes : IEquatable<ContentHashes>
{
    // Sorted by algorithm name (ordinal); a set holds one or two entries in practice, so arrays beat a dictionary.
    private readonly string[] _algorithms;
    private readonly string[] _values;

    /// <summary>The empty set.</summary>
    public static readonly ContentHashes None = new(Array.Empty<string>(), Array.Empty<string>());

    private ContentHashes(string[] algorithms, string[] values)
    {
        _algorithms = algorithms;
        _values = values;
    }

    /// <summary>A set of one hash; malformed values (not lowercase hex of the algorithm's length) are refused.</summary>
    public static ContentHashes Of(string algorithm, string value) => None.With(algorithm, value);

    /// <summary>How many algorithms the set holds.</summary>
    public int Count => _algorithms.Length;

    /// <summary>The algorithms held, sorted.</summary>
    public IReadOnlyList<string> Algorithms => _algorithms;

    /// <summary>The value for <paramref name="algorithm"/>, or null.</summary>
    public string? Get(string algorithm)
    {
        for (var i = 0; i < _algorithms.Length; i++)
        {
            if (string.Equals(_algorithms[i], algorithm, StringComparison.Ordinal))
            {
                return _values[i];
            }
        }

        return null;
    }

    /// <summary>This set with <paramref name="algorithm"/> set to <paramref name="value"/> (replacing any earlier value).</summary>
    /// <exception cref="ArgumentException">The algorithm is unknown or the value is not its lowercase hex digest.</exception>
    public ContentHashes With(string algorithm, string value)
    {
        if (!HashAlgorithms.IsKnown(algorithm))
        {
            throw new ArgumentException($"'{algorithm}' is not a hash algorithm SyncEngine knows (sha256, md5).", nameof(algorithm));
        }

        if (!HashAlgorithms.IsValid(algorithm, value))
        {
            throw new ArgumentException($"'{value}' is not a lowercase hex {algorithm} digest.", nameof(value));
        }

        var at = Array.IndexOf(_algorithms, algorithm);
        if (at >= 0)
        {
            if (string.Equals(_values[at], value, StringComparison.Ordinal))
            {
                return this;
            }

            var values = (string[])_values.Clone();
            values[at] = value;
            return new ContentHashes(_algorithms, values);
        }

        var n = _algorithms.Length;
        var algorithms = new string[n + 1];
        var newValues = new string[n + 1];
        var j = 0;
        var placed = false;
        for (var i = 0; i < n; i++)
        {
            if (!placed && string.CompareOrdinal(algorithm, _algorithms[i]) < 0)
            {
                algorithms[j] = algorithm;
                newValues[j++] = value;
                placed = true;
            }

            algorithms[j] = _algorithms[i];
            newValues[j++] = _values[i];
        }

        if (!placed)
        {
            algorithms[j] = algorithm;
            newValues[j] = value;
        }

        return new ContentHashes(algorithms, newValues);
    }

    /// <summary>This set without <paramref name="algorithm"/>.</summary>
    public ContentHashes Without(string algorithm)
    {
        var at = Array.IndexOf(_algorithms, algorithm);
        if (at < 0)
        {
            return this;
        }

        if (_algorithms.Length == 1)
        {
            return None;
        }

        var algorithms = new string[_algorithms.Length - 1];
        var values = new string[_algorithms.Length - 1];
        for (int i = 0, j = 0; i < _algorithms.Length; i++)
        {
            if (i != at)
            {
                algorithms[j] = _algorithms[i];
                values[j++] = _values[i];
            }
        }

        return new ContentHashes(algorithms, values);
    }

    /// <summary>Every hash of both sets; where both hold an algorithm, <paramref name="other"/>'s value wins.</summary>
    public ContentHashes Merge(ContentHashes? other)
    {
        if (other is null || other.Count == 0)
        {
            return this;
        }

        var result = this;
        for (var i = 0; i < other._algorithms.Length; i++)
        {
            result = result.With(other._algorithms[i], other._values[i]);
        }

        return result;
    }

    /// <summary>
    /// Compares two sets on an algorithm both hold (SHA-256 first). Returns false when they share none: the
    /// content is then unknown, never "different". <paramref name="equal"/> says whether the shared hash matched.
    /// </summary>
    public static bool TryCompare(ContentHashes? a, ContentHashes? b, out bool equal)
    {
        equal = false;
        if (a is null || b is null || a.Count == 0 || b.Count == 0)
        {
            return false;
        }

        if (a.Get(HashAlgorithms.Sha256) is { } sa && b.Get(HashAlgorithms.Sha256) is { } sb)
        {
            equal = string.Equals(sa, sb, StringComparison.Ordinal);
            return true;
        }

        for (var i = 0; i < a._algorithms.Length; i++)
        {
            if (b.Get(a._algorithms[i]) is { } vb)
            {
                equal = string.Equals(a._values[i], vb, StringComparison.Ordinal);
                return true;
            }
        }

        return false;
    }

    /// <summary>The hashes as algorithm → value pairs, sorted by algorithm.</summary>
    public IEnumerable<KeyValuePair<string, string>> Pairs()
    {
        for (var i = 0; i < _algorithms.Length; i++)
        {
            yield return new KeyValuePair<string, string>(_algorithms[i], _values[i]);
        }
    }

    /// <inheritdoc />
    public bool Equals(ContentHashes? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        for (var i = 0; i < _algorithms.Length; i++)
        {
            if (!string.Equals(_algorithms[i], other._algorithms[i], StringComparison.Ordinal) || !string.Equals(_values[i], other._values[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ContentHashes h && Equals(h);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = 17;
        for (var i = 0; i < _algorithms.Length; i++)
        {
            h = (h * 31) + StringComparer.Ordinal.GetHashCode(_algorithms[i]);
            h = (h * 31) + StringComparer.Ordinal.GetHashCode(_values[i]);
        }

        return h;
    }

    /// <summary>"sha256:… md5:…", or "none".</summary>
    public override string ToString()
    {
        if (Count == 0)
        {
            return "none";
        }

        var parts = new string[Count];
        for (var i = 0; i < Count; i++)
        {
            parts[i] = _algorithms[i] + ":" + _values[i];
        }

        return string.Join(" ", parts);
    }
}
