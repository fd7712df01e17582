using System.Text;
using LlmRelay.Health;

namespace LlmRelay.Core.Tests.Health;

public sealed class ChannelFailureClassifierTests
{
    // Every recorded upstream error, with the HTTP status it came with (200 for an error event inside a stream)
    // and the expected classification: "Definitive", "Transient" or "null" (the caller's fault).
    private static readonly (string File, int Status, string Expected)[] Recorded =
    [
        ("openai/error-401-invalid-api-key.chat.json", 401, "Definitive"),
        ("openai/error-401-invalid-api-key.responses.json", 401, "Definitive"),
        ("anthropic/error-401-authentication.json", 401, "Definitive"),
        ("gemini/error-400-api-key-invalid.json", 400, "Definitive"),
        ("gemini/error-400-api-key-invalid.stream.json", 400, "Definitive"),
        ("openai/responses-stream-error-insufficient-quota.sse", 200, "Definitive"),
        ("openai/error-429-rate-limit-exceeded.pasted.json", 429, "Transient"),
        ("anthropic/error-429-rate-limit.pasted.json", 429, "Transient"),
        ("gemini/error-429-quota-retryinfo.json", 429, "Transient"),
        ("gemini/error-429-resource-exhausted.json", 429, "Transient"),
        ("anthropic/error-event-overloaded.reported.json", 200, "Transient"),
        ("anthropic/messages-stream-midstream-error.partial.sse", 200, "Transient"),
        ("openai/error-400-model-not-found.responses.json", 400, "null"),
        ("openai/error-400-unsupported-parameter.chat.json", 400, "null"),
        ("openai/error-404-model-not-found.chat.json", 404, "null"),
        ("anthropic/error-400-invalid-request.json", 400, "null"),
        ("anthropic/error-404-not-found.json", 404, "null"),
        ("gemini/error-404-model-not-found.json", 404, "null"),
    ];

    public static TheoryData<string, int, string> RecordedErrors
    {
        get
        {
            var data = new TheoryData<string, int, string>();
            foreach (var (file, status, expected) in Recorded)
            {
                data.Add(file, status, expected);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(RecordedErrors))]
    public void Classify_RecordedUpstreamError_MatchesExpectedKind(string file, int status, string expected)
    {
        var root = UpstreamFixtures.Require();
        var body = ErrorJson(Path.Combine(root, file));

        Assert.True(ChannelFailureClassifier.TryReadError(body, out var code, out var message), file);
        Assert.NotNull(code);
        Assert.NotNull(message);
        Assert.Equal(expected, ChannelFailureClassifier.Classify(status, code, message)?.ToString() ?? "null");
        Assert.Equal(expected, ChannelFailureClassifier.Classify(status, body)?.ToString() ?? "null");
    }

    [Fact]
    public void Classify_EveryRecordedErrorFile_IsCovered()
    {
        var root = UpstreamFixtures.Require();
        var covered = Recorded.Select(static row => row.File).ToHashSet(StringComparer.Ordinal);

        var uncovered = Directory.EnumerateFiles(root, "error-*.json", SearchOption.AllDirectories)
            .Where(static path => !path.EndsWith(".request.json", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(file => !covered.Contains(file))
            .ToList();

        Assert.Empty(uncovered);
    }

    [Theory]
    [InlineData(401, null, null, "Definitive")]
    [InlineData(401, "invalid_api_key", "Incorrect API key provided: sk-****", "Definitive")]
    [InlineData(403, "authentication_error", "invalid x-api-key", "Definitive")]
    [InlineData(403, "API_KEY_SERVICE_BLOCKED", "Requests to this API are blocked.", "Definitive")]
    [InlineData(402, null, "Payment required", "Definitive")]
    [InlineData(429, "insufficient_quota", "You exceeded your current quota, please check your plan and billing details.", "Definitive")]
    [InlineData(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.", "Definitive")]
    [InlineData(400, "API_KEY_EXPIRED", "API key expired. Please renew the API key.", "Definitive")]
    [InlineData(402, "billing_error", "There is an issue with your payment method.", "Definitive")]
    [InlineData(200, "billing_hard_limit_reached", "Billing hard limit has been reached", "Definitive")]
    [InlineData(0, null, "The operation was canceled.", "Transient")]
    [InlineData(408, null, null, "Transient")]
    [InlineData(429, "rate_limit_exceeded", "Rate limit reached for requests", "Transient")]
    [InlineData(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan.", "Transient")]
    [InlineData(500, "server_error", "The server had an error while processing your request.", "Transient")]
    [InlineData(502, null, "Bad gateway", "Transient")]
    [InlineData(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", "Transient")]
    [InlineData(529, "overloaded_error", "Overloaded", "Transient")]
    [InlineData(403, "unsupported_country_region_territory", "Country, region, or territory not supported", "Transient")]
    [InlineData(200, "api_error", "Internal server error", "Transient")]
    [InlineData(400, "invalid_request_error", "messages: at least one message is required", "null")]

    // Validation errors that quote the caller's own text: the words are the caller's, not the upstream's verdict.
    [InlineData(400, "invalid_value", "Invalid value: 'billing'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", "null")]
    [InlineData(400, "invalid_request_error", "messages.0.role: Input should be 'user' or 'assistant', got 'Your credit balance is too low'", "null")]
    [InlineData(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"invalid api key\" at 'contents[0]': Cannot find field.", "null")]
    [InlineData(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "null")] // Without the API_KEY_INVALID reason.
    [InlineData(422, null, "Incorrect API key provided, insufficient balance 余额不足", "null")]
    [InlineData(403, "permission_error", "Your plan and billing details do not allow this model.", "Transient")]
    [InlineData(429, "rate_limit_exceeded", "billing: insufficient credit balance", "Transient")]
    [InlineData(404, "model_not_found", "The model does not exist", "null")]
    [InlineData(413, "request_too_large", "Request exceeds the maximum size", "null")]
    [InlineData(422, null, null, "null")]
    [InlineData(200, null, null, "null")]
    public void Classify_StatusCodeAndMessage_ReturnsKind(int status, string? code, string? message, string expected) =>
        Assert.Equal(expected, ChannelFailureClassifier.Classify(status, code, message)?.ToString() ?? "null");

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("[]")]
    [InlineData("{\"ok\":true}")]
    public void TryReadError_NotAnErrorBody_ReturnsFalse(string body)
    {
        Assert.False(ChannelFailureClassifier.TryReadError(Encoding.UTF8.GetBytes(body), out var code, out var message));
        Assert.Null(code);
        Assert.Null(message);
        Assert.Equal(ChannelFailureKind.Transient, ChannelFailureClassifier.Classify(502, Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void TryReadError_GeminiArrayForm_ReadsTheFirstError()
    {
        var body = """[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}]"""u8;

        Assert.True(ChannelFailureClassifier.TryReadError(body, out var code, out _));
        Assert.Equal("API_KEY_INVALID", code);
    }

    [Fact]
    public void TryReadError_OpenAINullCode_FallsBackToType()
    {
        var body = """{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"""u8;

        Assert.True(ChannelFailureClassifier.TryReadError(body, out var code, out var message));
        Assert.Equal("server_error", code);
        Assert.Equal("The server had an error", message);
    }

    [Fact]
    public void TryReadError_ResponsesTopLevelErrorEvent_ReadsCode()
    {
        var body = """{"type":"error","code":"insufficient_quota","message":"You exceeded your current quota","param":null,"sequence_number":2}"""u8;

        Assert.True(ChannelFailureClassifier.TryReadError(body, out var code, out _));
        Assert.Equal("insufficient_quota", code);
    }

    /// <summary>Returns the error JSON of a fixture: the whole body, or the data of the stream's <c>event: error</c>.</summary>
    private static byte[] ErrorJson(string path)
    {
        if (!path.EndsWith(".sse", StringComparison.Ordinal))
        {
            return File.ReadAllBytes(path);
        }

        var lines = File.ReadAllLines(path);
        var index = Array.IndexOf(lines, "event: error");
        Assert.True(index >= 0 && lines[index + 1].StartsWith("data: ", StringComparison.Ordinal), $"{path} has no error event.");
        return Encoding.UTF8.GetBytes(lines[index + 1]["data: ".Length..]);
    }
}
