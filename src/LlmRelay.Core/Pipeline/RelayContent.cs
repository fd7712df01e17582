using LlmRelay.Formats;

namespace LlmRelay.Pipeline;

/// <summary>The caller's request body, able to produce what each attempt sends: passed through, patched or converted.</summary>
/// <remarks>
/// One instance per call, asked once per attempt (a failover may ask again for another channel). What it returns must stay
/// valid until the next call of <see cref="Adapt"/> or the end of the call. Not thread-safe.
/// </remarks>
public abstract class RelayContent
{
    /// <summary>Initializes a new instance of the <see cref="RelayContent"/> class.</summary>
    protected RelayContent()
    {
    }

    /// <summary>Produces the body to send for <paramref name="plan"/> to a channel that names the model <paramref name="upstreamModel"/>.</summary>
    /// <param name="plan">How the channel serves the call.</param>
    /// <param name="upstreamModel">The model as the channel names it.</param>
    /// <param name="body">The body to send.</param>
    /// <returns><see langword="null"/>, or the error that makes the request invalid for this upstream (the caller's 400: no channel would do better).</returns>
    public abstract FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> body);

    /// <summary>Produces the body to send for <paramref name="plan"/> as a stream, for a body too large to hold in memory (a multipart upload, issue #17).</summary>
    /// <param name="plan">How the channel serves the call.</param>
    /// <param name="upstreamModel">The model as the channel names it.</param>
    /// <returns>
    /// A new content for this attempt, its <c>Content-Type</c> set, that can be sent once; or <see langword="null"/> (the
    /// default) when <see cref="Adapt"/>'s bytes are the body. A failover asks again for the next channel, so the content
    /// must read from storage that outlives the attempt (the call disposes that storage, not the content).
    /// </returns>
    public virtual HttpContent? CreateStreamedBody(in RelayPlan plan, string upstreamModel) => null;
}
