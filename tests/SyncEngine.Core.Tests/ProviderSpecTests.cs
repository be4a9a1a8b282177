using System;

namespace SyncEngine.Core.Tests;

/// <summary>Roots as provider specs (issue 11 item 1): parsing, secrets, overlap, pair ids.</summary>
public class ProviderSpecTests
{
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
    }
}
