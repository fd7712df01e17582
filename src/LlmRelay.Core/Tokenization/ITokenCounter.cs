namespace LlmRelay.Tokenization;

/// <summary>Counts tokens locally, for <c>count_tokens</c> and for answers that come back without usage.</summary>
/// <remarks>
/// <para>
/// Tokenizing costs about as much CPU as relaying the whole request (~90 µs per 1K tokens), so the relay
/// reserves quota from <see cref="EstimateFromBytes"/>, settles from the usage the upstream reports, and
/// calls a counter only when no usage comes back, at most once per request.
/// </para>
/// <para>Counts are exact for OpenAI encodings; for other families they are estimates (see the implementation). Implementations are thread-safe.</para>
/// <para>Registered by <c>AddLlmRelay()</c>; hosts resolve it from the service provider.</para>
/// </remarks>
public interface ITokenCounter
{
    /// <summary>Counts the tokens of <paramref name="text"/> with <paramref name="model"/>'s encoding; special-token markers count as plain text.</summary>
    int CountText(string model, ReadOnlySpan<char> text);

    /// <summary>Counts the prompt tokens of a chat-style request body (OpenAI, Anthropic or Gemini), with per-message overhead.</summary>
    /// <returns>The estimated prompt tokens; what was read before the JSON turned out to be malformed counts.</returns>
    int CountRequest(string model, ReadOnlySpan<byte> jsonBody);

    /// <summary>Counts like <see cref="CountRequest"/> but gives up when <paramref name="deadline"/> is cancelled, checked between text segments.</summary>
    /// <param name="model">The model whose encoding counts.</param>
    /// <param name="jsonBody">The request body.</param>
    /// <param name="deadline">Cancelled when the caller must answer without the count (a time limit, a disconnected client).</param>
    /// <param name="tokens">The count, or 0 when the deadline passed first.</param>
    /// <returns><see langword="false"/> when the deadline passed before counting finished.</returns>
    bool TryCountRequest(string model, ReadOnlySpan<byte> jsonBody, CancellationToken deadline, out int tokens);

    /// <summary>Counts the tokens of completion text assembled from a stream whose upstream reported no usage.</summary>
    int CountCompletionText(string model, string text);

    /// <summary>Returns a cheap upper bound on the prompt tokens of a request body of <paramref name="utf8Bytes"/> bytes, without tokenizing.</summary>
    /// <remarks>
    /// Tokens average ~4 bytes of English and ~3 bytes of code or CJK text, and a JSON body carries keys and
    /// punctuation that are not tokens, so <c>bytes / 3</c> stays above the real count for text; the fixed
    /// part covers message framing and the hidden tool-use system prompt some providers add (Anthropic ~350
    /// tokens). Images are the exception (a base64 image is far more bytes than tokens, so they are over-reserved).
    /// </remarks>
    static int EstimateFromBytes(int utf8Bytes) => utf8Bytes <= 0 ? 0 : (int)Math.Min(int.MaxValue, ((long)utf8Bytes / 3) + EstimateOverheadTokens);

    /// <summary>The fixed part of <see cref="EstimateFromBytes"/>.</summary>
    const int EstimateOverheadTokens = 400;
}
