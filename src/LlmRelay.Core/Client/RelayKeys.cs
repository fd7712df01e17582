using LlmRelay.Health;
using LlmRelay.Selection;

namespace LlmRelay.Client;

/// <summary>Picks the upstream key for one attempt, as the HTTP relay and <see cref="RelayChatClient"/> both do.</summary>
/// <remarks>Thread-safe; allocation-free.</remarks>
internal static class RelayKeys
{
    /// <summary>Round-robins over the channel's keys, skipping disabled ones and ones whose breaker is open.</summary>
    /// <returns>The key index, or -1 when no key of the channel may be used now.</returns>
    public static int Acquire(ChannelHealthTracker health, ChannelEntry channel)
    {
        var count = channel.KeyCount;
        var start = channel.NextKeyStart();
        for (var i = 0; i < count; i++)
        {
            var index = (start + i) % count;
            if (health.TryAcquire(channel.Id, index))
            {
                return index;
            }
        }

        return -1;
    }

    /// <summary>Returns the concurrency-gate key of one channel key.</summary>
    public static string ConcurrencyKey(long channelId, int keyIndex) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"channel:{channelId}:{keyIndex}");

    /// <summary>Removes the channel's keys, and anything shaped like a key, from text that may reach a caller or a log.</summary>
    public static string Scrub(string text, ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (key.Length >= 4)
            {
                text = text.Replace(key, "***", StringComparison.Ordinal);
            }
        }

        return KeyPattern.Replace(text, "sk-***");
    }

    private static readonly System.Text.RegularExpressions.Regex KeyPattern = new(@"sk-[A-Za-z0-9_\-\*\.]{4,}", System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.Compiled);
}
