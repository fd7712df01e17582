namespace LlmRelay.Diagnostics;

/// <summary>One recorded upstream exchange, with credentials redacted (see <see cref="UpstreamCaptureLog"/>).</summary>
public sealed class UpstreamCapture
{
    internal UpstreamCapture()
    {
    }

    /// <summary>Gets the exchange's number, increasing from 1 in the order the requests were sent.</summary>
    public long Id { get; init; }

    /// <summary>Gets the channel the request went to.</summary>
    public long ChannelId { get; init; }

    /// <summary>Gets the channel's name at the time of the request.</summary>
    public string ChannelName { get; init; } = "";

    /// <summary>Gets when the request was sent.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets the request method.</summary>
    public string Method { get; init; } = "";

    /// <summary>Gets the request URL, key query parameters redacted.</summary>
    public string Url { get; init; } = "";

    /// <summary>Gets the request headers, credentials redacted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; init; } = [];

    /// <summary>Gets the request body as UTF-8 text, cut at <see cref="UpstreamCaptureOptions.MaxBodyBytes"/>.</summary>
    public string RequestBody { get; init; } = "";

    /// <summary>Gets the request body's whole length in bytes.</summary>
    public long RequestBodyLength { get; init; }

    /// <summary>Gets whether <see cref="RequestBody"/> was cut.</summary>
    public bool RequestBodyTruncated { get; init; }

    /// <summary>Gets the answer's status code, or <see langword="null"/> when no answer came (see <see cref="Error"/>) or it has not come yet.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the answer's headers (response and content headers), credentials redacted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ResponseHeaders { get; init; } = [];

    /// <summary>Gets the answer body as UTF-8 text as far as the caller read it, cut at <see cref="UpstreamCaptureOptions.MaxBodyBytes"/>.</summary>
    public string ResponseBody { get; init; } = "";

    /// <summary>Gets how many answer bytes the caller read.</summary>
    public long ResponseBodyLength { get; init; }

    /// <summary>Gets whether <see cref="ResponseBody"/> was cut.</summary>
    public bool ResponseBodyTruncated { get; init; }

    /// <summary>Gets the time from sending to the answer's headers, or <see langword="null"/> before they came.</summary>
    public TimeSpan? TimeToHeaders { get; init; }

    /// <summary>Gets the time from sending until the answer was read to its end or released, or <see langword="null"/> while it is still being read.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets whether the exchange is over (answer read or released, or the send failed).</summary>
    public bool Completed { get; init; }

    /// <summary>Gets why the send failed (connection error, timeout, cancellation), or <see langword="null"/>.</summary>
    public string? Error { get; init; }
}
