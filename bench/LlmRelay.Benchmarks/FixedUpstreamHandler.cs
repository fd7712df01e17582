using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace LlmRelay.Benchmarks;

/// <summary>An in-memory OpenAI upstream: a fixed chat completion, or a fixed 50-event stream when the body asks to stream.</summary>
/// <remarks>The shapes follow the load harness's mock (../shared/bench/mock): same event count and sizes, generated here.</remarks>
internal sealed class FixedUpstreamHandler : HttpMessageHandler
{
    /// <summary>Gets the non-streaming answer.</summary>
    public static byte[] Chat { get; } = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-bench0000000000000000000000000","object":"chat.completion","created":1763856000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! I am a fixed answer from the benchmark's in-memory upstream, the same size as the mock's.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":21,"total_tokens":45,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_bench000"}""");

    /// <summary>Gets the streaming answer: role chunk, 46 content chunks, finish chunk, usage chunk, <c>[DONE]</c>.</summary>
    public static byte[] Stream { get; } = BuildStream();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var stream = body.AsSpan().IndexOf("\"stream\":true"u8) >= 0;
        var content = new ByteArrayContent(stream ? Stream : Chat);
        content.Headers.ContentType = new MediaTypeHeaderValue(stream ? "text/event-stream" : "application/json");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
    }

    private static byte[] BuildStream()
    {
        const string Prefix = """data: {"id":"chatcmpl-bench0000000000000000000000000","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_bench000","choices":[""";
        var sb = new StringBuilder();
        sb.Append(Prefix).Append("""{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}""").Append("\n\n");
        for (var i = 0; i < 46; i++)
        {
            sb.Append(Prefix).Append("""{"index":0,"delta":{"content":" word""").Append(i).Append("""\"},"logprobs":null,"finish_reason":null}],"usage":null}""").Append("\n\n");
        }

        sb.Append(Prefix).Append("""{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}""").Append("\n\n");
        sb.Append(Prefix).Append("""],"usage":{"prompt_tokens":24,"completion_tokens":46,"total_tokens":70,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}""").Append("\n\n");
        sb.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
