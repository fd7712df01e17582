namespace LlmRelay.Client;

/// <summary>The relay could not answer a <see cref="RelayChatClient"/> call; carries the status and code the HTTP relay would have answered with.</summary>
public sealed class RelayChatClientException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RelayChatClientException"/> class.</summary>
    public RelayChatClientException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RelayChatClientException"/> class with a message.</summary>
    /// <param name="message">The error message.</param>
    public RelayChatClientException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RelayChatClientException"/> class with a message and an inner exception.</summary>
    /// <param name="message">The error message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public RelayChatClientException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RelayChatClientException"/> class with a status and code.</summary>
    /// <param name="statusCode">The HTTP status the relay's endpoint would answer with (401, 403, 404, 429, 502, 503, 504, or the upstream's 4xx).</param>
    /// <param name="errorCode">A machine-readable code such as <c>model_not_found</c>, or <see langword="null"/>.</param>
    /// <param name="message">The error message.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public RelayChatClientException(int statusCode, string? errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>Gets the HTTP status the relay's endpoint would have answered with.</summary>
    public int StatusCode { get; }

    /// <summary>Gets the machine-readable error code, or <see langword="null"/>.</summary>
    public string? ErrorCode { get; }
}
