namespace LlmRelay.AspNetCore.Scaling.Responses;

/// <summary>The shared response store (Redis) could not be read; the caller answers 503 <c>response_store_unavailable</c>.</summary>
internal sealed class ResponseStoreUnavailableException : Exception
{
    public ResponseStoreUnavailableException()
    {
    }

    public ResponseStoreUnavailableException(string message)
        : base(message)
    {
    }

    public ResponseStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the caller's error: 503 in the OpenAI shape, with the code <c>response_store_unavailable</c>.</summary>
    public static LlmRelay.Pipeline.RelayError Error { get; } = new(503, LlmRelay.Pipeline.RelayErrorKind.Unavailable, "The response store cannot be reached; try again shortly.", "response_store_unavailable");
}
