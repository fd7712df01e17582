using LlmRelay.Client;

namespace LlmRelay.Core.Tests.Client;

public sealed class RelayKeysTests
{
    [Fact]
    public void Scrub_RemovesKnownKeysAndKeyLikeFragments()
    {
        var scrubbed = RelayKeys.Scrub("bad key sk-live-SECRET123456 and partial sk-abc***wxyz, other XYZSECRET", ["sk-live-SECRET123456", "XYZSECRET"]);

        Assert.DoesNotContain("SECRET", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-abc", scrubbed, StringComparison.Ordinal);
        Assert.Contains("bad key", scrubbed, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrencyKey_NamesChannelAndKey() => Assert.Equal("channel:12:3", RelayKeys.ConcurrencyKey(12, 3));
}
