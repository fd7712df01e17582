using LlmRelay.Channels;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>What a caller asks to set on a channel; a <see langword="null"/> property is left as it is (on creation: its default).</summary>
/// <remarks>
/// The <c>/api/channel/</c> routes read it from JSON (<see cref="ChannelInput.Read"/>), the dashboard from its form;
/// <see cref="ChannelService"/> validates the values (required fields, lengths, ranges, type, base URL) so both refuse
/// with the same field-named message (issue #14).
/// </remarks>
internal sealed record ChannelChanges
{
    /// <summary>Gets the first problem the request's reader found; the service reports it before its own checks, as the API always has.</summary>
    public string? InputError { get; init; }

    /// <summary>Gets the channel's name (at most 128 characters; required on creation).</summary>
    public string? Name { get; init; }

    /// <summary>Gets the channel's type: one of <see cref="ChannelInput.Types"/>.</summary>
    public string? Type { get; init; }

    /// <summary>Gets the upstream's absolute http(s) base URL (required on creation).</summary>
    public string? BaseUrl { get; init; }

    /// <summary>Gets the upstream keys, one a line (required on creation; on an update, empty keeps the stored keys).</summary>
    public string? Key { get; init; }

    /// <summary>Gets the models the channel serves (required on creation, unless <see cref="ModelMapping"/> names some).</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>Gets the comma-separated groups the channel serves (at most 256 characters; empty keeps the current or default group).</summary>
    public string? Group { get; init; }

    /// <summary>Gets the channel's priority (higher is tried first).</summary>
    public long? Priority { get; init; }

    /// <summary>Gets the channel's weight among channels of the same priority (0 or more).</summary>
    public long? Weight { get; init; }

    /// <summary>Gets the status to set.</summary>
    public ChannelStatus? Status { get; init; }

    /// <summary>Gets the requested-to-upstream model names; an empty map clears it.</summary>
    public IReadOnlyDictionary<string, string>? ModelMapping { get; init; }

    /// <summary>Gets the channel's tag (at most 64 characters).</summary>
    public string? Tag { get; init; }

    /// <summary>Gets the connect timeout; <see cref="TimeSpan.Zero"/> clears it, so the global option applies.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Gets the first-byte timeout; <see cref="TimeSpan.Zero"/> clears it, so the global option applies.</summary>
    public TimeSpan? FirstByteTimeout { get; init; }

    /// <summary>Gets the idle timeout; <see cref="TimeSpan.Zero"/> clears it, so the global option applies.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Gets whether tool calls the channel's models write as text become structured tool calls (<see cref="RelayChannel.ToolCallSieve"/>).</summary>
    public bool? ToolCallSieve { get; init; }

    /// <summary>Gets the channel's model capability overrides (<see cref="RelayChannel.ModelCapabilities"/>); <see langword="null"/> keeps the stored ones, empty clears them.</summary>
    public Dictionary<string, LlmRelay.Formats.Conversion.ModelCapability>? ModelCapabilities { get; init; }
}
