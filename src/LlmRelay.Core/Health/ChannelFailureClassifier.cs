using System.Text.Json;

namespace LlmRelay.Health;

/// <summary>Decides whether an upstream error is the channel key's fault, and how lasting it is.</summary>
/// <remarks>
/// <code>
///  definitive  401 (any code), 402, 403 with a key code, 400 Gemini API_KEY_INVALID,
///              insufficient_quota / billing_* codes, or a billing / credit-balance message
///  transient   0 (no response: timeout, connection refused or reset), 408, 429, 5xx,
///              other 403s, and overload / rate-limit / server error codes on any status
///              (a mid-stream error event arrives with status 200)
///  null        any other 4xx: the request was wrong, not the channel; and successes
/// </code>
/// Pure and thread-safe.
/// </remarks>
internal static class ChannelFailureClassifier
{
    // Codes that mean this key will not work again without a person. Compared case-insensitively.
    private static readonly string[] DefinitiveCodes =
    [
        "invalid_api_key",         // OpenAI 401
        "authentication_error",    // Anthropic 401
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

    // Message fragments that identify a dead key or exhausted billing when the code is missing or generic.
    private static readonly string[] DefinitiveMessages =
    [
        "billing",                // OpenAI "check your plan and billing details"; Anthropic "Plans & Billing"
        "credit balance",         // Anthropic 400 "Your credit balance is too low"
        "API key not valid",      // Gemini
        "API key expired",        // Gemini
        "Incorrect API key",      // OpenAI
        "invalid x-api-key",      // Anthropic
        "invalid api key",
        "余额不足",               // Chinese-language relays: "insufficient balance"
    ];

    /// <summary>Classifies an upstream error.</summary>
    /// <param name="statusCode">The HTTP status, or 0 when no response arrived (timeout, connection error).</param>
    /// <param name="errorCode">
    /// The most specific error code in the body: OpenAI <c>error.code</c> (else <c>error.type</c>), Anthropic
    /// <c>error.type</c>, Gemini <c>error.details[].reason</c> (else <c>error.status</c>); see <see cref="TryReadError"/>.
    /// </param>
    /// <param name="message">The error message, or <see langword="null"/>.</param>
    /// <returns>The failure kind, or <see langword="null"/> when the error is not the channel's fault.</returns>
    public static ChannelFailureKind? Classify(int statusCode, string? errorCode, string? message)
    {
        if (Matches(errorCode, DefinitiveCodes))
        {
            return ChannelFailureKind.Definitive;
        }

        if (statusCode is 401 or 402)
        {
            // The relay supplies the credentials, so an upstream 401 always means the key is bad.
            return ChannelFailureKind.Definitive;
        }

        if (statusCode is >= 400 and < 500 && Contains(message, DefinitiveMessages))
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
    public static ChannelFailureKind? Classify(int statusCode, ReadOnlySpan<byte> body)
    {
        TryReadError(body, out var code, out var message);
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

    private static bool Contains(string? message, string[] fragments)
    {
        if (string.IsNullOrEmpty(message))
        {
            return false;
        }

        foreach (var fragment in fragments)
        {
            if (message.Contains(fragment, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
