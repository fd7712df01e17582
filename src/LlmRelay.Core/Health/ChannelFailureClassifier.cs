using System.Text.Json;

namespace LlmRelay.Health;

/// <summary>
/// The one classifier of upstream errors: decides whether an error is the channel key's fault, and how lasting it is.
/// Used by the HTTP relay, <c>RelayChatClient</c> and the key re-test probe.
/// </summary>
/// <remarks>
/// <para>
/// Only the status and the structured fields the upstream itself sets decide (OpenAI <c>error.code</c> / <c>error.type</c>,
/// Anthropic <c>error.type</c>, Gemini <c>error.details[].reason</c> / <c>error.status</c>), never words found in the
/// message: upstream validation errors quote the caller's own text (a role or field named <c>billing</c>, a prompt that
/// says "invalid api key"), so a match on words would let any caller disable the keys everyone shares.
/// </para>
/// <code>
///  definitive  401 (any code), 402, a key or billing code on any status (invalid_api_key, authentication_error,
///              billing_error, insufficient_quota, billing_*, account_deactivated, API_KEY_INVALID / _EXPIRED /
///              _SERVICE_BLOCKED, CONSUMER_SUSPENDED), and Anthropic's 400 invalid_request_error whose message
///              starts with "Your credit balance is too low" (Anthropic's billing failure; a fixed sentence at
///              the start, where a validation message has its own wording, never the caller's)
///  transient   0 (no response: timeout, connection refused or reset), 403, 408, 429, 5xx, and overload /
///              rate-limit / server error codes on any status (a mid-stream error event arrives with status 200)
///  null        any other 4xx: the request was wrong, not the channel; and successes
/// </code>
/// Pure and thread-safe.
/// </remarks>
internal static class ChannelFailureClassifier
{
    // Anthropic answers exhausted prepaid credit with 400 invalid_request_error and this fixed sentence.
    private const string AnthropicCreditBalancePrefix = "Your credit balance is too low";

    // Codes that mean this key will not work again without a person. Compared case-insensitively.
    private static readonly string[] DefinitiveCodes =
    [
        "invalid_api_key",         // OpenAI 401
        "authentication_error",    // Anthropic 401
        "billing_error",           // Anthropic 402
        "API_KEY_INVALID",         // Gemini 400 ErrorInfo.reason (also for an expired key)
        "API_KEY_EXPIRED",
        "API_KEY_SERVICE_BLOCKED", // Gemini 403
        "CONSUMER_SUSPENDED",      // Gemini 403
        "account_deactivated",     // OpenAI 401
        "insufficient_quota",      // OpenAI 429 and the Responses stream `error` event
        "billing_hard_limit_reached",
        "billing_not_active",
    ];

    // Codes that mean "try again later", whatever the status (mid-stream error events come with 200).
    private static readonly string[] TransientCodes =
    [
        "rate_limit_exceeded",  // OpenAI 429
        "rate_limit_error",     // Anthropic 429
        "overloaded_error",     // Anthropic 529 and stream `error` events
        "api_error",            // Anthropic 500 and stream `error` events
        "server_error",         // OpenAI 5xx and stream `error` events
        "timeout_error",
        "RESOURCE_EXHAUSTED",   // Gemini 429 (per-minute quota or shared capacity)
        "UNAVAILABLE",          // Gemini 503
        "INTERNAL",             // Gemini 500
        "DEADLINE_EXCEEDED",    // Gemini 504
    ];

    /// <summary>Classifies an upstream error.</summary>
    /// <param name="statusCode">The HTTP status, or 0 when no response arrived (timeout, connection error).</param>
    /// <param name="errorCode">
    /// The most specific error code in the body: OpenAI <c>error.code</c> (else <c>error.type</c>), Anthropic
    /// <c>error.type</c>, Gemini <c>error.details[].reason</c> (else <c>error.status</c>); see <see cref="TryReadError"/>.
    /// </param>
    /// <param name="message">
    /// The error message, or <see langword="null"/>. Never searched for words: only an Anthropic 400 is compared, from its
    /// first character, with the fixed credit-balance sentence.
    /// </param>
    /// <returns>The failure kind, or <see langword="null"/> when the error is not the channel's fault.</returns>
    public static ChannelFailureKind? Classify(int statusCode, string? errorCode, string? message)
    {
        if (Matches(errorCode, DefinitiveCodes) || statusCode is 401 or 402)
        {
            // The relay supplies the credentials, so an upstream 401 always means the key is bad.
            return ChannelFailureKind.Definitive;
        }

        if (statusCode == 400
            && string.Equals(errorCode, "invalid_request_error", StringComparison.Ordinal)
            && message is not null
            && message.StartsWith(AnthropicCreditBalancePrefix, StringComparison.Ordinal))
        {
            return ChannelFailureKind.Definitive;
        }

        if (statusCode is 0 or 403 or 408 or 429 or >= 500 || Matches(errorCode, TransientCodes))
        {
            return ChannelFailureKind.Transient;
        }

        return null;
    }

    /// <summary>Classifies an upstream error from its status and body, reading the code and message with <see cref="TryReadError"/>.</summary>
    /// <param name="statusCode">The HTTP status, or 0 when no response arrived.</param>
    /// <param name="body">The error body (or the <c>data:</c> JSON of a stream error event); may be empty or not JSON.</param>
    /// <returns>The failure kind, or <see langword="null"/> when the error is not the channel's fault.</returns>
    public static ChannelFailureKind? Classify(int statusCode, ReadOnlySpan<byte> body) => Classify(statusCode, body, out _, out _);

    /// <summary>Classifies an upstream error from its status and body, and returns the code and message it read.</summary>
    /// <param name="statusCode">The HTTP status, or 0 when no response arrived.</param>
    /// <param name="body">The error body; may be empty or not JSON.</param>
    /// <param name="code">The code read by <see cref="TryReadError"/>, or <see langword="null"/>.</param>
    /// <param name="message">The message read by <see cref="TryReadError"/>, or <see langword="null"/>.</param>
    /// <returns>The failure kind, or <see langword="null"/> when the caller's request was at fault.</returns>
    public static ChannelFailureKind? Classify(int statusCode, ReadOnlySpan<byte> body, out string? code, out string? message)
    {
        TryReadError(body, out code, out message);
        return Classify(statusCode, code, message);
    }

    /// <summary>Reads the error code and message from an OpenAI, Anthropic or Gemini error body or stream error event.</summary>
    /// <param name="body">The JSON body. Gemini's array form (<c>[{"error":…}]</c>) is accepted.</param>
    /// <param name="code">The most specific code found, or <see langword="null"/>.</param>
    /// <param name="message">The message, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when the body held an error object or a top-level <c>code</c>.</returns>
    public static bool TryReadError(ReadOnlySpan<byte> body, out string? code, out string? message)
    {
        code = null;
        message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0];
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            // {"error":{...}} (all three providers), else a Responses `error` event with top-level code/message.
            var error = root.TryGetProperty("error", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : root;
            code = String(error, "code") ?? GeminiReason(error) ?? String(error, "status") ?? String(error, "type");
            message = String(error, "message");
            return code is not null || message is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? GeminiReason(JsonElement error)
    {
        if (!error.TryGetProperty("details", out var details) || details.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var detail in details.EnumerateArray())
        {
            if (detail.ValueKind == JsonValueKind.Object && String(detail, "reason") is { } reason)
            {
                return reason;
            }
        }

        return null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static bool Matches(string? code, string[] codes)
    {
        if (string.IsNullOrEmpty(code))
        {
            return false;
        }

        foreach (var candidate in codes)
        {
            if (string.Equals(code, candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
