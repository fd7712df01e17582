using System.Net;
using LlmRelay.Health;

namespace LlmRelay.Client;

/// <summary>Decides whether a non-success upstream answer is the channel's fault (fail over) or the caller's (answer it).</summary>
/// <remarks>Pure and thread-safe. The same rules as the HTTP relay: <see cref="ChannelFailureClassifier"/>, then the retryable statuses.</remarks>
internal static class UpstreamErrorPolicy
{
    /// <summary>Classifies an upstream error answer.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="body">The error body (may be empty or not JSON).</param>
    /// <param name="code">The error code read from the body, or <see langword="null"/>.</param>
    /// <param name="message">The error message read from the body, or a generic one.</param>
    /// <returns>The failure kind, or <see langword="null"/> when the caller's request was at fault.</returns>
    public static ChannelFailureKind? Classify(int status, ReadOnlySpan<byte> body, out string? code, out string message)
    {
        ChannelFailureClassifier.TryReadError(body, out code, out var text);
        message = text ?? $"The upstream answered {status}.";
        return ChannelFailureClassifier.Classify(status, code, text) ?? (IsRetryable(status, code) ? ChannelFailureKind.Transient : null);
    }

    /// <summary>Returns whether a status (and code) is worth another channel even when the classifier does not blame the key.</summary>
    public static bool IsRetryable(int status, string? code) =>
        status is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.PaymentRequired
        || status >= 500
        // Gemini answers an invalid key with 400 INVALID_ARGUMENT / API_KEY_INVALID: the channel's fault, not the caller's.
        || (status == (int)HttpStatusCode.BadRequest && code is "API_KEY_INVALID");
}
