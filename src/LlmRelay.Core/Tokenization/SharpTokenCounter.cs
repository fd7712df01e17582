using SharpToken;

namespace LlmRelay.Tokenization;

/// <summary>Counts tokens with SharpToken's tiktoken encodings: <c>o200k_base</c> or <c>cl100k_base</c> by model family.</summary>
/// <remarks>
/// <para>
/// <c>o200k_base</c> for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, gpt-oss, the o-series and omni-moderation;
/// <c>cl100k_base</c> for gpt-4, gpt-3.5, the embedding models and everything else. Anthropic, Gemini,
/// DeepSeek and other providers use tokenizers of their own that are not public, so their counts are
/// estimates (cl100k is usually within 10-30% for English text; the providers' hidden prompt additions,
/// such as Anthropic's tool-use system prompt, are not counted).
/// </para>
/// <para>Encodings are loaded once per process (loading one takes ~100 ms) and shared. Thread-safe.</para>
/// </remarks>
internal sealed partial class SharpTokenCounter : ITokenCounter
{
    private static readonly Lazy<GptEncoding> O200k = new(static () => GptEncoding.GetEncoding("o200k_base"));
    private static readonly Lazy<GptEncoding> Cl100k = new(static () => GptEncoding.GetEncoding("cl100k_base"));

    // Special-token markers such as <|endoftext|> inside user text are counted as plain text, never rejected.
    private static readonly HashSet<string> NoSpecialTokens = [];

    private static readonly string[] O200kPrefixes = ["gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "gpt-oss", "codex-", "omni-moderation", "o1", "o3", "o4"];

    public int CountText(string model, ReadOnlySpan<char> text) =>
        text.IsEmpty ? 0 : (int)Math.Min(int.MaxValue, CountSegmented(EncodingFor(model), text, CancellationToken.None));

    public int CountCompletionText(string model, string text) => CountText(model, text.AsSpan());

    /// <summary>Returns whether <paramref name="model"/> is tokenized with <c>o200k_base</c> (otherwise <c>cl100k_base</c>).</summary>
    internal static bool UsesO200k(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model.AsSpan(model.LastIndexOf('/') + 1);
        foreach (var prefix in O200kPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (prefix.Length > 2 || name.Length == 2 || !char.IsAsciiLetterOrDigit(name[2])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts <paramref name="text"/> segment by segment (see <see cref="TextSegments"/>), so the cost stays linear in its length.</summary>
    /// <remarks>A segment equal to the one before it (a long run of one character cuts into many) reuses that segment's count.</remarks>
    internal static long CountSegmented(GptEncoding encoding, ReadOnlySpan<char> text, CancellationToken cancellationToken)
    {
        long total = 0;
        var previous = ReadOnlySpan<char>.Empty;
        var previousCount = 0;
        foreach (var range in new TextSegments(text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var segment = text[range];
            if (!segment.SequenceEqual(previous))
            {
                previousCount = encoding.CountTokens(segment, NoSpecialTokens, NoSpecialTokens);
                previous = segment;
            }

            total += previousCount;
        }

        return total;
    }

    private static GptEncoding EncodingFor(string model) => UsesO200k(model) ? O200k.Value : Cl100k.Value;
}
