using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>An HTTP caller's request body as each attempt sends it: passed through as it came, patched (model, stream usage, a missing Anthropic <c>max_tokens</c>), or converted to the upstream's family.</summary>
/// <remarks>
/// Owns the pooled buffer of a patched body, reused across attempts. Not thread-safe: one instance per request.
/// <paramref name="anthropicMaxTokens"/> (<c>LlmRelay:AnthropicDefaultMaxTokens</c>) is written only into bodies sent to
/// Anthropic channels, where <c>max_tokens</c> is required (issue #15); other upstreams get no limit the caller did not set.
/// </remarks>
internal sealed class CallerBody(InboundRoute route, PooledBufferWriter body, OpenAIChatRequestInfo request, int anthropicMaxTokens) : RelayContent, IDisposable
{
    private PooledBufferWriter? _patched;

    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> content)
    {
        if (plan.PassThrough)
        {
            content = body.WrittenMemory;
            var askForUsage = route.AsksForStreamUsage;
            var maxTokens = plan.UpstreamFormat == WireFormat.Anthropic ? anthropicMaxTokens : 0;
            if (route.Shape != RequestShape.Gemini && (request.ModelLength == 0 || OpenAIChatRequestPatcher.NeedsPatch(request, upstreamModel, askForUsage, maxTokens)))
            {
                _patched ??= new PooledBufferWriter(0);
                _patched.Clear();
                OpenAIChatRequestPatcher.Patch(body.WrittenSpan, request, upstreamModel, _patched, askForUsage, maxTokens);
                content = _patched.WrittenMemory;
            }

            return null;
        }

        var converted = BodyConverter.ConvertRequest(route.Format, plan.UpstreamFormat, body.WrittenSpan, upstreamModel, request.Stream, anthropicMaxTokens);
        content = converted.IsSuccess ? converted.Value!.Body : default;
        return converted.Error;
    }

    public void Dispose() => _patched?.Dispose();
}
