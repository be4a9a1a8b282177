using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SyncEngine;

/// <summary>A source and a destination kept in sync, with the options that govern how.</summary>
public sealed class SyncPair
{
    /// <summary>The default share of a side that one run may delete without <c>force</c>.</summary>
    public const double DefaultMaxDeletePercent = 50;

    /// <summary>
    /// The largest <see cref="TransferLimit"/> and <see cref="OperationLimit"/>: each unit is a worker thread, and far
    /// more than this only exhausts the process (100000 aborted it) without copying any faster.
    /// </summary>
    public const int MaxConcurrency = 1024;

    /// <summary>The largest <see cref="RetryCount"/>.</summary>
    public const int MaxRetryCount = 100;

    /// <summary>The longest <see cref="RetryDelay"/> (it doubles on each attempt).</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Creates a pair. Local roots must be full paths (front ends resolve them); a root that is a URL
    /// (<c>sftp://…</c>, <see cref="Storage.ProviderSpec"/>) is parsed when the pair is validated or its id is asked
    /// for. Call <see cref="Validate"/> before use.
    /// </summary>
    public SyncPair(string source, string destination)
    {
        Source = Shown(source ?? throw new ArgumentNullException(nameof(source)));
        Destination = Shown(destination ?? throw new ArgumentNullException(nameof(destination)));
        _sourceSpec = new Lazy<Storage.ProviderSpec>(() => Storage.ProviderSpec.Parse(source));
        _destinationSpec = new Lazy<Storage.ProviderSpec>(() => Storage.ProviderSpec.Parse(destination));
    }

    /// <summary>A root as the pair shows it: a well-formed remote root in its display form, anything else as given.</summary>
    private static string Shown(string root) =>
        root.IndexOf("://", StringComparison.Ordinal) > 0 && Storage.ProviderSpec.TryParse(root, out var spec) && !spec.IsLocal ? spec.Display : root;

    /// <summary>
    /// Creates a pair of roots of any kind. <see cref="Source"/> and <see cref="Destination"/> are then a local root's
    /// full path or a remote root's <see cref="Storage.ProviderSpec.Display"/> form (never a secret).
    /// </summary>
    public SyncPair(Storage.ProviderSpec source, Storage.ProviderSpec destination)
    {
        var s = source ?? throw new ArgumentNullException(nameof(source));
        var d = destination ?? throw new ArgumentNullException(nameof(destination));
        Source = s.IsLocal ? s.Path : s.Display;
        Destination = d.IsLocal ? d.Path : d.Display;
        _sourceSpec = new Lazy<Storage.ProviderSpec>(() => s);
        _destinationSpec = new Lazy<Storage.ProviderSpec>(() => d);
    }

    private readonly Lazy<Storage.ProviderSpec> _sourceSpec;
    private readonly Lazy<Storage.ProviderSpec> _destinationSpec;

    /// <summary>The source root as shown to users: a full local path, or a remote root's display form (no secret).</summary>
    public string Source { get; }

    /// <summary>The destination root as shown to users: a full local path, or a remote root's display form (no secret).</summary>
    public string Destination { get; }

    /// <summary>The source root as a provider spec (a malformed root throws its <see cref="SyncEngineException"/>).</summary>
    public Storage.ProviderSpec SourceSpec => _sourceSpec.Value;

    /// <summary>The destination root as a provider spec (a malformed root throws its <see cref="SyncEngineException"/>).</summary>
    public Storage.ProviderSpec DestinationSpec => _destinationSpec.Value;

    /// <summary>How to reach the source when it is remote (key files, known_hosts, password); null for the defaults.</summary>
    public Storage.SideOptions? SourceOptions { get; init; }

    /// <summary>How to reach the destination when it is remote (key files, known_hosts, password); null for the defaults.</summary>
    public Storage.SideOptions? DestinationOptions { get; init; }

    /// <summary>Whether both roots are local folders.</summary>
    internal bool IsLocal => SourceSpec.IsLocal && DestinationSpec.IsLocal;

    /// <summary>A name for the pair; defaults to the source and destination folder names.</summary>
    public string Name
    {
        get => string.IsNullOrEmpty(_name) ? DefaultName() : _name!;
        init => _name = value;
    }

    private readonly string? _name;

    /// <summary>The sync mode (default TwoWay).</summary>
    public SyncMode Mode { get; init; } = SyncMode.TwoWay;

    /// <summary>How versions are compared (default HashThenMtime).</summary>
    public CompareMode CompareMode { get; init; } = CompareMode.HashThenMtime;

    /// <summary>How conflicts are resolved (default NewestWins).</summary>
    public ConflictResolution ConflictResolution { get; init; } = ConflictResolution.NewestWins;

    /// <summary>What a first TwoWay sync does with one-sided files (default Merge).</summary>
    public InitialSyncPreference InitialSyncPreference { get; init; } = InitialSyncPreference.Merge;

    /// <summary>Gitignore-style patterns added to the rules of the ignore file.</summary>
    public IReadOnlyList<string> IgnorePatterns { get; init; } = Array.Empty<string>();

    /// <summary>The ignore file; null means <c>.syncignore</c> in the source root (if present).</summary>
    public string? IgnoreFile { get; init; }

    /// <summary>The pair's state folder; null means the per-user default (<see cref="DefaultStatePath(string, string)"/>).</summary>
    public string? StatePath { get; init; }

    /// <summary>Maximum concurrent copies (default 4).</summary>
    public int TransferLimit { get; init; } = 4;

    /// <summary>Maximum concurrent deletes, renames and other operations (default 8).</summary>
    public int OperationLimit { get; init; } = 8;

    /// <summary>Share of either side (in percent) one run may delete without force (default 50).</summary>
    public double MaxDeletePercent { get; init; } = DefaultMaxDeletePercent;

    /// <summary>Keep overwritten and deleted versions in the side's trash (default true).</summary>
    public bool UseTrash { get; init; } = true;

    /// <summary>How long trash folders are kept (default 30 days).</summary>
    public TimeSpan TrashRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Bytes per second all transfers of a run may move together (0, the default: no limit); see
    /// <see cref="SyncEngine.BandwidthLimit.Parse"/> for the written form (<c>10M</c>).
    /// </summary>
    public long BandwidthLimit { get; init; }

    /// <summary>How many times a transient failure is retried (default 3).</summary>
    public int RetryCount { get; init; } = 3;

    /// <summary>First retry delay; doubles each attempt (default 200 ms).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Stable identifier of the pair, derived from its two roots.</summary>
    public string Id => ComputeId(SourceSpec, DestinationSpec);

    /// <summary>The state folder actually used.</summary>
    /// <remarks>
    /// The default folder is named by the id of the roots' real paths. A folder that an earlier version named by
    /// the roots as written (a root given through a link) is used until a sync moves it (<see cref="AdoptLegacyStateFolder"/>).
    /// </remarks>
    public string ResolvedStatePath
    {
        get
        {
            if (!string.IsNullOrEmpty(StatePath))
            {
                return StatePath!;
            }

            var path = DefaultStatePath(SourceSpec, DestinationSpec);
            return !Directory.Exists(path) && LegacyStatePath() is { } legacy && Directory.Exists(legacy) ? legacy : path;
        }
    }

    private string? LegacyStatePath()
    {
        if (!IsLocal)
        {
            return null; // no earlier version had remote roots
        }

        var literal = LiteralId(Source, Destination);
        return literal == Id ? null : Path.Combine(StateRoot(), "pairs", literal);
    }

    /// <summary>
    /// Moves a default state folder named the earlier way (by the roots as written) to the name by real paths, so
    /// every name of the pair's folders finds one state and one lock. Called by a sync before it locks the pair.
    /// </summary>
    internal void AdoptLegacyStateFolder()
    {
        if (!string.IsNullOrEmpty(StatePath))
        {
            return;
        }

        var path = DefaultStatePath(SourceSpec, DestinationSpec);
        if (Directory.Exists(path) || LegacyStatePath() is not { } legacy || !Directory.Exists(legacy))
        {
            return;
        }

        try
        {
            Directory.Move(legacy, path);
        }
        catch (IOException)
        {
            // Moved by another run meanwhile, or in use (Windows): this run uses whichever folder exists.
        }
    }

    /// <summary>
    /// The ignore file actually used: <see cref="IgnoreFile"/>, else <c>.syncignore</c> in the source root. For a
    /// remote source that is its display form (<c>sftp://host/path/.syncignore</c>), read through the source's
    /// provider (<see cref="IgnoreFileOnSource"/>).
    /// </summary>
    public string ResolvedIgnoreFile => !string.IsNullOrEmpty(IgnoreFile) ? IgnoreFile!
        : IgnoreFileOnSource ? Source.TrimEnd('/') + "/" + IgnoreFileName
        : Path.Combine(Source, IgnoreFileName);

    /// <summary>The name of the ignore file in the source root.</summary>
    internal const string IgnoreFileName = ".syncignore";

    /// <summary>Whether the rules file is <c>.syncignore</c> in a remote source, read through the source's provider.</summary>
    internal bool IgnoreFileOnSource => string.IsNullOrEmpty(IgnoreFile) && !SourceSpec.IsLocal;

    /// <summary>
    /// The per-user state folder for a pair: <c>%LOCALAPPDATA%\SyncEngine\pairs\&lt;id&gt;</c> or
    /// <c>$XDG_STATE_HOME/syncengine/pairs/&lt;id&gt;</c>, named by <see cref="ComputeId(string, string)"/> for roots of
    /// any kind (an id is hex, so a remote root's host or path never reaches the file system).
    /// </summary>
    public static string DefaultStatePath(string source, string destination) =>
        Path.Combine(StateRoot(), "pairs", ComputeId(source, destination));

    /// <summary>The per-user state folder for a pair of provider specs (<see cref="DefaultStatePath(string, string)"/>).</summary>
    public static string DefaultStatePath(Storage.ProviderSpec source, Storage.ProviderSpec destination) =>
        Path.Combine(StateRoot(), "pairs", ComputeId(source, destination));

    /// <summary>The per-user folder under which pair state folders live by default.</summary>
    public static string StateRoot()
    {
        var overridden = Environment.GetEnvironmentVariable("SYNCENGINE_STATE_HOME");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden!;
        }

        if (Path.DirectorySeparatorChar == '\\')
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "SyncEngine");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(xdg))
        {
            xdg = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(xdg!, "syncengine");
    }

    /// <summary>
    /// Derives the pair identifier from the two roots, each a local path or a provider spec
    /// (<see cref="Storage.ProviderSpec.Parse"/>; a malformed one throws its error).
    /// </summary>
    public static string ComputeId(string source, string destination) =>
        ComputeId(Storage.ProviderSpec.Parse(source), Storage.ProviderSpec.Parse(destination));

    /// <summary>
    /// Derives the pair identifier from the two roots: a local root by its real path (links resolved, case folded on
    /// Windows), as ids have been derived since 2026-12, so every name of one folder is one pair; a remote root by
    /// what names its storage, not by how it was written: an SFTP root without its user (two users of one server
    /// reach the same files: one pair, one state, one lock) and with its port, an S3 root by bucket and prefix.
    /// </summary>
    public static string ComputeId(Storage.ProviderSpec source, Storage.ProviderSpec destination)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }

        if (destination is null)
        {
            throw new ArgumentNullException(nameof(destination));
        }

        return Hash(IdKey(source) + "\n" + IdKey(destination));
    }

    private static string Hash(string roots)
    {
        using var sha = SHA256.Create();
        var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(roots));
        var sb = new StringBuilder(16);
        for (var i = 0; i < 8; i++)
        {
            sb.Append(bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>Checks the pair before anything touches the disk. Throws <see cref="SyncEngineException"/> naming what is wrong.</summary>
    /// <remarks>
    /// Two local roots are checked as always (<see cref="Storage.Roots.ValidatePair(string, string)"/>). A pair with
    /// a remote root is checked by its specs (<see cref="Storage.Roots.ValidatePair(Storage.ProviderSpec, Storage.ProviderSpec)"/>):
    /// its local root, if any, on disk; whether a remote root exists is for its provider to say when the run starts.
    /// A state folder may not lie inside a local root; it is a local folder, so never inside a remote one.
    /// </remarks>
    public void Validate()
    {
        ValidateOptions();
        if (IsLocal)
        {
            Storage.Roots.ValidatePair(Source, Destination);
            Storage.Roots.ValidateStateFolder(Source, Destination, StatePath);
            return;
        }

        Storage.Roots.ValidatePair(SourceSpec, DestinationSpec);
        foreach (var (spec, side) in new[] { (SourceSpec, "source"), (DestinationSpec, "destination") })
        {
            if (spec.IsLocal)
            {
                Storage.Roots.CheckStateFolder(spec.Path, side, StatePath);
            }
        }
    }

    /// <summary>Checks the options (limits, shares), not the roots: for pairs whose sides are not local folders.</summary>
    public void ValidateOptions()
    {
        Range(nameof(TransferLimit), TransferLimit, 1, MaxConcurrency);
        Range(nameof(OperationLimit), OperationLimit, 1, MaxConcurrency);

        if (double.IsNaN(MaxDeletePercent) || MaxDeletePercent < 0 || MaxDeletePercent > 100)
        {
            throw new SyncEngineException("SyncInvalidOption", SyncErrorKind.InvalidArgument, $"MaxDeletePercent must be between 0 and 100 (got {MaxDeletePercent}).", nameof(MaxDeletePercent));
        }

        if (!string.IsNullOrEmpty(IgnoreFile) && !File.Exists(IgnoreFile))
        {
            // An explicit ignore file that is missing must not mean "no rules": a mirror would delete what it protects.
            throw new SyncEngineException("SyncIgnoreFileNotFound", SyncErrorKind.NotFound, $"The ignore file '{IgnoreFile}' does not exist.", IgnoreFile);
        }

        Range(nameof(RetryCount), RetryCount, 0, MaxRetryCount);
        if (RetryDelay < TimeSpan.Zero || RetryDelay > MaxRetryDelay)
        {
            throw Invalid(nameof(RetryDelay), $"RetryDelay must be between 0 and {MaxRetryDelay.TotalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)} minutes (got {RetryDelay}).");
        }

        if (BandwidthLimit < 0)
        {
            throw Invalid(nameof(BandwidthLimit), $"BandwidthLimit must not be negative (got {BandwidthLimit}); 0 means no limit.");
        }

        if (TrashRetention < TimeSpan.Zero)
        {
            throw Invalid(nameof(TrashRetention), $"TrashRetention must not be negative (got {TrashRetention}).");
        }
    }

    private static void Range(string option, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw Invalid(option, FormattableString.Invariant($"{option} must be between {min} and {max} (got {value})."));
        }
    }

    private static SyncEngineException Invalid(string option, string message) =>
        new("SyncInvalidOption", SyncErrorKind.InvalidArgument, message, option);

    /// <summary>
    /// A root as the id sees it: a local one by its real path (links resolved), so every name of one folder is one
    /// pair; a remote one by its identity (a local real path is absolute, so never starts with a scheme: no clash).
    /// </summary>
    private static string IdKey(Storage.ProviderSpec root) => root.IsLocal ? Fold(Storage.RealPaths.Resolve(root.Path)) : root.Identity;

    private static string Fold(string full) => Path.DirectorySeparatorChar == '\\' ? full.ToUpperInvariant() : full;

    /// <summary>
    /// The id as versions before 2026-12 derived it, from the roots as written (links not resolved). A state folder
    /// recorded under it is still this pair's. Those versions had local roots only: a pair with a remote root has
    /// no earlier id, and this is its <see cref="Id"/>.
    /// </summary>
    internal static string LiteralId(string source, string destination)
    {
        var s = Storage.ProviderSpec.Parse(source);
        var d = Storage.ProviderSpec.Parse(destination);
        return !s.IsLocal || !d.IsLocal
            ? ComputeId(s, d)
            : Hash(Fold(Path.GetFullPath(source).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)) + "\n"
                   + Fold(Path.GetFullPath(destination).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)));
    }

    private string DefaultName()
    {
        static string Leaf(string p)
        {
            var trimmed = p.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            var leaf = Path.GetFileName(trimmed);
            return string.IsNullOrEmpty(leaf) ? trimmed : leaf;
        }

        return Leaf(Source) + "->" + Leaf(Destination);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Source} -> {Destination}, {Mode})";
}
