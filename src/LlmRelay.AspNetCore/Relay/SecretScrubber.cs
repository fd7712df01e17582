using System.Text.RegularExpressions;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Removes upstream keys from text that is about to reach a caller or a log.</summary>
internal static partial class SecretScrubber
{
    public static string Scrub(string text, ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (key.Length >= 4)
            {
                text = text.Replace(key, "***", StringComparison.Ordinal);
            }
        }

        // Providers echo partial keys ("Incorrect API key provided: sk-abc***xyz"); hide those too.
        return KeyLike().Replace(text, "sk-***");
    }

    [GeneratedRegex(@"sk-[A-Za-z0-9_\-\*\.]{4,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyLike();
}
