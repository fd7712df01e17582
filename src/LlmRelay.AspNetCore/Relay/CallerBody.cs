using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.ToolCalls;
using LlmRelay.Pipeline;
using LlmRelay.Providers;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>An HTTP caller's request body as each attempt sends it: passed through as it came, patched (model, stream usage, a missing Anthropic <c>max_tokens</c>, reasoning controls a model without reasoning refuses), or converted to the upstream's family.</summary>
/// <remarks>
/// Owns the pooled buffer of a patched body, reused across attempts. Not thread-safe: one instance per request.
/// A missing <c>max_tokens</c> is written only into bodies sent to Anthropic channels, where it is required (issue #15): the
/// model's default from the capability table (<see cref="RelayPlan.Capability"/>, issue #16), else
/// <paramref name="anthropicMaxTokens"/> (<c>LlmRelay:AnthropicDefaultMaxTokens</c>); other upstreams get no limit the caller did not set.
/// </remarks>
internal sealed class CallerBody(InboundRoute route, PooledBufferWriter body, OpenAIChatRequestInfo request, int anthropicMaxTokens) : RelayContent, IDisposable
{
    private PooledBufferWriter? _patched;
    private PooledBufferWriter? _withoutReasoning;
    private PooledBufferWriter? _summary;
    private ToolCallSieve? _sieve;
    private bool _sieveRead;

    /// <summary>Gets the tool-call sieve for this request (its declared tools and <c>tool_choice</c>), or <see langword="null"/> when it declares no tools.</summary>
    /// <remarks>Read from the body on first use only, which happens only when a channel configured for the sieve answers (issue #16).</remarks>
    public ToolCallSieve? Sieve
    {
        get
        {
            if (!_sieveRead)
            {
                _sieveRead = true;
                _sieve = route.Operation is RelayOperation.Chat or RelayOperation.Responses ? ToolCallSieve.FromRequest(route.Format, body.WrittenSpan) : null;
            }

            return _sieve;
        }
    }

    /// <summary>Gets the conversation of a <c>/v1/responses</c> or compaction call (its <c>previous_response_id</c> expanded), or <see langword="null"/>.</summary>
    public ResponsesChain? Chain { get; init; }

    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> content)
    {
        var source = body.WrittenMemory;
        var info = request;
        if (Chain is { } chain)
        {
            if (route.Operation == RelayOperation.ResponsesCompact && !plan.PassThrough)
            {
                // Compaction on a channel without OpenAI's endpoint: one summarisation turn, converted like any Responses call.
                source = SummaryRequest(chain);
                info.Stream = false;
            }
            else
            {
                source = chain.BodyFor(plan, source, ref info);
            }
        }

        if (plan.PassThrough)
        {
            if (plan.Capability?.Reasoning == ReasoningControl.None && route.Shape is RequestShape.OpenAIChat or RequestShape.OpenAIResponses
                && PassThroughReasoning.MayHave(source.Span))
            {
                _withoutReasoning ??= new PooledBufferWriter(0);
                _withoutReasoning.Clear();
                if (PassThroughReasoning.TryRemove(source.Span, _withoutReasoning)
                    && OpenAIChatRequestReader.TryRead(_withoutReasoning.WrittenSpan, route.Shape, out var stripped) is null)
                {
                    source = _withoutReasoning.WrittenMemory;
                    info = stripped;
                }
            }

            content = source;
            var askForUsage = route.AsksForStreamUsage;
            var maxTokens = plan.UpstreamFormat == WireFormat.Anthropic ? AnthropicDefault(plan.Capability) : 0;
            if (route.Shape != RequestShape.Gemini && (info.ModelLength == 0 || OpenAIChatRequestPatcher.NeedsPatch(info, upstreamModel, askForUsage, maxTokens)))
            {
                _patched ??= new PooledBufferWriter(0);
                _patched.Clear();
                OpenAIChatRequestPatcher.Patch(source.Span, info, upstreamModel, _patched, askForUsage, maxTokens);
                content = _patched.WrittenMemory;
            }

            return null;
        }

        var converted = BodyConverter.ConvertRequest(route.Format, plan.UpstreamFormat, source.Span, upstreamModel, info.Stream, anthropicMaxTokens, plan.Capability);
        content = converted.IsSuccess ? converted.Value!.Body : default;
        return converted.Error;
    }

    public void Dispose()
    {
        _patched?.Dispose();
        _withoutReasoning?.Dispose();
        _summary?.Dispose();
    }

    private ReadOnlyMemory<byte> SummaryRequest(ResponsesChain chain)
    {
        if (_summary is null)
        {
            _summary = new PooledBufferWriter(body.WrittenCount + 1024);
            ResponsesCompaction.WriteSummaryRequest(body.WrittenSpan, chain, _summary);
        }

        return _summary.WrittenMemory;
    }

    // The model's default output limit (within its maximum), as a converted body gets it; else the gateway-wide default.
    private int AnthropicDefault(ModelCapability? capability)
    {
        var value = capability?.DefaultOutputTokens ?? anthropicMaxTokens;
        return capability?.MaxOutputTokens is int max && value > max ? max : value;
    }
}
