using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Units;
using LlmRelay.Pipeline;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary><c>/v1/audio/speech</c> served by a Gemini TTS model: its generateContent answer read whole, its PCM decoded in place and sent as WAV or PCM (issue #17).</summary>
/// <remarks>
/// <code>
/// upstream 2xx ─► answer read (pooled, ≤ MaxResponseBodySize) ─► GeminiSpeech.DecodeAudio (base64 decoded where it lies)
///   ─► no PCM in it: 502 upstream_invalid_response, nothing billed
///   ─► billed: per character of input when the model is priced per character, else by usageMetadata's tokens
///   ─► "pcm": audio/pcm, the samples; "wav" or none: audio/wav, a 44-byte header + the samples (Content-Length known)
/// </code>
/// Gemini answers the whole utterance at once (generateContent is not streamed here), so failover is possible until the answer is read.
/// </remarks>
internal sealed partial class RelayEndpoint
{
    private async Task SpeakFromGeminiAsync(HttpContext context, InboundRoute route, RelayCall call, RelayAttempt attempt, UnitRequest request)
    {
        using var buffer = new PooledBufferWriter();
        if (!await ReadAnswerAsync(context, route, call, attempt, buffer).ConfigureAwait(false))
        {
            return;
        }

        int length, start, sampleRate;
        Formats.TokenUsage usage;
        try
        {
            length = GeminiSpeech.DecodeAudio(buffer.Array.AsSpan(0, buffer.WrittenCount), out start, out sampleRate, out usage);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
        {
            (length, start, sampleRate, usage) = (0, 0, 0, default);
        }

        if (length == 0)
        {
            // A refusal, a safety block, an answer that is not audio: the caller gets nothing usable, nothing is billed.
            call.Void();
            await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, "The upstream answered without PCM audio.", "upstream_invalid_response")).ConfigureAwait(false);
            return;
        }

        // The answer's base64 is not text: when no usage is reported the tokens are estimated from the body sent only.
        call.BillUnits(attempt, request.Unit, request.EstimatedUnits, null, usage, default);
        var status = (int)attempt.Response!.StatusCode;
        call.MarkAnswered(status);
        var wav = request.ResponseFormat != "pcm";
        context.Response.StatusCode = status;
        context.Response.ContentType = wav ? "audio/wav" : "audio/pcm";
        context.Response.ContentLength = length + (wav ? GeminiSpeech.WavHeaderSize : 0);
        try
        {
            if (wav)
            {
                GeminiSpeech.WriteWavHeader(context.Response.BodyWriter.GetSpan(GeminiSpeech.WavHeaderSize), length, sampleRate);
                context.Response.BodyWriter.Advance(GeminiSpeech.WavHeaderSize);
            }

            await context.Response.BodyWriter.WriteAsync(buffer.Array.AsMemory(start, length), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Delivered output is billed; the caller left while it was written.
        }
    }
}
