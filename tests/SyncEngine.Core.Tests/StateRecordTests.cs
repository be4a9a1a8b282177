using SyncEngine.Storage;
using SyncEngine.State;

namespace SyncEngine.Core.Tests;

public class StateRecordTests
{
    private const string H1 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string H2 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    [Theory]
    [InlineData(H1, H1)]
    [InlineData(H1, H2)]
    [InlineData(H1, null)]
    [InlineData(null, H2)]
    [InlineData(null, null)]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")]
    public void Hashes_read_back_exactly_as_they_were_recorded(string? source, string? destination)
    {
        var rec = new StateRecord("a.txt", new FileVersion("a.txt", 1, 2, 3, source), new FileVersion("a.txt", 1, 2, 4, destination));

        Assert.Equal(source, rec.SourceHash);
        Assert.Equal(destination, rec.DestinationHash);
        Assert.Equal(source, rec.Source.Hash);
        Assert.Equal(destination, rec.Destination.Hash);
    }

    [Fact]
    public void Changing_one_side_after_sharing_keeps_the_other()
    {
        var rec = new StateRecord("a.txt", new FileVersion("a.txt", 1, 2, 3, H1), new FileVersion("a.txt", 1, 2, 4, H1));

        rec.SetSource(new FileVersion("a.txt", 5, 6, 3, H2));

        Assert.Equal(H2, rec.SourceHash);
        Assert.Equal(H1, rec.DestinationHash);
    }

    [Fact]
    public void Every_hash_combination_survives_a_snapshot_save_and_load()
    {
        const string Md5 = "d41d8cd98f00b204e9800998ecf8427e";
        using var t = new TestPair();
        var pair = t.Pair();
        var state = new PairState(pair.Id, pair.Source, pair.Destination);
        var cases = new (string Key, string? S, string? D)[]
        {
            ("same.txt", H1, H1), ("differ.txt", H1, H2), ("source-only.txt", H1, null), ("destination-only.txt", null, H2),
            ("none.txt", null, null), ("md5.txt", null, null), ("not-a-sha256.txt", Md5, "ABC"),
        };
        foreach (var (key, sh, dh) in cases)
        {
            var md5 = key == "md5.txt" ? ContentHashes.Of(HashAlgorithms.Md5, Md5) : null;
            state.Set(key, new FileVersion(key, 10, 20, 30, sh) { OtherHashes = md5 }, new FileVersion(key, 10, 20, 40, dh) { OtherHashes = md5 });
        }

        StateStore.Save(t.StateDir, state, pair);
        var loaded = StateStore.Load(t.StateDir, pair).State!;

        foreach (var (key, sh, dh) in cases)
        {
            // A SHA-256 reads back exactly; a string that is none was never one, so it is not kept under that name.
            Assert.Equal(key == "not-a-sha256.txt" ? null : sh, loaded.Records[key].SourceHash);
            Assert.Equal(key == "not-a-sha256.txt" ? null : dh, loaded.Records[key].DestinationHash);
        }

        Assert.Equal(Md5, loaded.Records["md5.txt"].OtherHashes(SyncSide.Source)!.Get(HashAlgorithms.Md5));
        Assert.Equal(Md5, loaded.Records["md5.txt"].Destination.Hashes.Get(HashAlgorithms.Md5));
        Assert.Null(loaded.Records["same.txt"].OtherHashes(SyncSide.Source));
    }
}
