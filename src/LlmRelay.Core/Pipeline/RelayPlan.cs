using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Providers;

namespace LlmRelay.Pipeline;

/// <summary>How one attempt reaches a channel: what it asks the upstream, in which dialect, and whether bodies pass through.</summary>
/// <param name="PassThrough">Whether the caller's body and the upstream's answer pass through unconverted.</param>
/// <param name="Operation">What the upstream is asked to do.</param>
/// <param name="UpstreamFormat">The wire format the upstream speaks for this call.</param>
public readonly record struct RelayPlan(bool PassThrough, RelayOperation Operation, WireFormat UpstreamFormat)
{
    /// <summary>Gets what the model the channel is sent accepts (the capability table, issue #16), for a conversion to respect.</summary>
    /// <value>The default value is <see langword="null"/>: not known, parameters are converted as the caller sent them.</value>
    public ModelCapability? Capability { get; init; }

    /// <summary>Gets the id of the channel the attempt goes to, so the body can depend on what that channel holds (a <c>previous_response_id</c> it stored, issue #16).</summary>
    /// <value>The default value is 0: not known.</value>
    public long ChannelId { get; init; }

    /// <summary>Decides how a channel speaking through <paramref name="adapter"/> serves <paramref name="operation"/> asked in <paramref name="callerFormat"/>.</summary>
    /// <returns>The plan, or <see langword="null"/> when the channel cannot serve the call at all.</returns>
    /// <remarks>
    /// Chat is served by every family (converted where the caller's differs); legacy completions, embeddings,
    /// moderations, rerank and audio only by OpenAI-format upstreams that support them, passed through; image generations, image edits and speech too, or by
    /// Gemini upstreams as a converted generateContent turn; Responses passed through to OpenAI upstreams that serve it, else converted
    /// to a chat turn in the upstream's family; a realtime session only by OpenAI and Azure channels, passed through.
    /// </remarks>
    internal static RelayPlan? For(RelayOperation operation, WireFormat callerFormat, ProviderAdapter adapter)
    {
        switch (operation)
        {
            case RelayOperation.ImageGenerations or RelayOperation.ImageEdits when adapter.Format == WireFormat.Gemini:
                // Gemini image models answer a generateContent turn with inline image data (issue #17): the body is converted
                // (an edit's images sent as inline data with the prompt).
                return new RelayPlan(false, RelayOperation.Chat, WireFormat.Gemini);
            case RelayOperation.AudioSpeech when adapter.Format == WireFormat.Gemini:
                // Gemini TTS models speak through generateContent with audio output (issue #17): the body is converted.
                return new RelayPlan(false, RelayOperation.Chat, WireFormat.Gemini);
            case RelayOperation.Completions or RelayOperation.Embeddings or RelayOperation.ImageGenerations or RelayOperation.ImageEdits or RelayOperation.Moderations or RelayOperation.Rerank
                or RelayOperation.AudioSpeech or RelayOperation.AudioTranscriptions or RelayOperation.AudioTranslations:
                return adapter.Format == WireFormat.OpenAIChat && adapter.Supports(operation) ? new RelayPlan(true, operation, WireFormat.OpenAIChat) : null;
            case RelayOperation.Responses:
                return adapter.Format == WireFormat.OpenAIChat && adapter.Supports(RelayOperation.Responses)
                    ? new RelayPlan(true, RelayOperation.Responses, WireFormat.OpenAIResponses)
                    : new RelayPlan(false, RelayOperation.Chat, adapter.Format);
            case RelayOperation.Realtime:
                // Events pass through both ways: only OpenAI-format channels with a realtime endpoint (OpenAI, Azure), never in process.
                return adapter.Format == WireFormat.OpenAIChat && adapter is not ChatClientAdapter && adapter.Supports(operation) ? new RelayPlan(true, operation, WireFormat.OpenAIChat) : null;
            case RelayOperation.VideoCreate:
                // Video tasks are polled at {base}/videos/{id}: only the OpenAI URL scheme (not Azure's deployments) has it.
                return adapter is OpenAIAdapter ? new RelayPlan(true, operation, WireFormat.OpenAIChat) : null;
            case RelayOperation.ResponsesCompact:
                // Compaction is OpenAI's own endpoint; any other channel serves it as one summarisation turn (issue #16).
                return adapter.Format == WireFormat.OpenAIChat && adapter.Supports(RelayOperation.ResponsesCompact)
                    ? new RelayPlan(true, RelayOperation.ResponsesCompact, WireFormat.OpenAIResponses)
                    : new RelayPlan(false, RelayOperation.Chat, adapter.Format);
            case RelayOperation.Chat:
                return adapter.Supports(RelayOperation.Chat) ? new RelayPlan(adapter.Format == callerFormat, RelayOperation.Chat, adapter.Format) : null;
            default:
                return null;
        }
    }
}
