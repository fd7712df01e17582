namespace LlmRelay.Diagnostics;

/// <summary>Options for the record of recent upstream exchanges used to debug a channel (section <c>LlmRelay:Captures</c>).</summary>
/// <remarks>
/// Off by default. When on, every call to a channel's upstream (relayed calls, channel and account tests, model lists,
/// balances, key probes) is recorded at the one send site with its request and answer, bodies cut at
/// <see cref="MaxBodyBytes"/>; only the latest <see cref="Limit"/> exchanges are kept, in memory. Credentials are never
/// recorded: authentication headers, key query parameters and the channel key itself are replaced with <c>[redacted]</c>.
/// Read and clear the record with <c>GET</c> and <c>DELETE /admin/dev/captures</c>, or on the dashboard's channel page.
/// The options are read on every send, so a change written into the options instance applies to the next call.
/// </remarks>
public sealed class UpstreamCaptureOptions
{
    /// <summary>Gets or sets whether upstream exchanges are recorded.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how many exchanges are kept; the oldest is dropped when a new one arrives.</summary>
    /// <value>The default value is 20. It must be between 1 and 1,000.</value>
    public int Limit { get; set; } = 20;

    /// <summary>Gets or sets how many bytes of each request and answer body are kept.</summary>
    /// <remarks>A streamed answer is recorded as it passes to the caller, up to this many bytes; the rest still streams, unrecorded.</remarks>
    /// <value>The default value is 64 KiB. It must be between 0 and 16 MiB.</value>
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}
