using System.Buffers;
using LlmRelay.AspNetCore.Relay.Units;
using LlmRelay.Pipeline;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary><c>/v1/audio/speech</c>: the upstream's audio copied to the caller as it arrives, never buffered whole (issue #17).</summary>
/// <remarks>
/// <code>
/// upstream 2xx ─► status, Content-Type (and Content-Length when the upstream sent one) ─► read ≤64 KiB (pooled) ─► write, flush ─► …
///   ─► end: billed per character of <c>input</c> (BillingUnit.Character), or by tokens estimated from the body sent
/// </code>
/// One pooled buffer per call, nothing allocated per chunk. An upstream that fails before the first byte is a 502 and
/// costs nothing; once audio has reached the caller the characters are billed, whether the upstream or the caller breaks off.
/// </remarks>
internal sealed partial class RelayEndpoint
{
    private const int AudioChunkSize = 64 * 1024;

    private static async Task StreamSpeechAsync(HttpContext context, InboundRoute route, RelayCall call, RelayAttempt attempt, UnitRequest request)
    {
        var response = attempt.Response!;
        var status = (int)response.StatusCode;
        long delivered = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(AudioChunkSize);
        try
        {
            var upstream = await response.Content.ReadAsStreamAsync(attempt.CancellationToken).ConfigureAwait(false);
            context.Response.StatusCode = status;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "audio/mpeg";
            context.Response.ContentLength = response.Content.Headers.ContentLength;
            int read;
            while ((read = await upstream.ReadAsync(buffer.AsMemory(0, AudioChunkSize), attempt.CancellationToken).ConfigureAwait(false)) > 0)
            {
                if (delivered == 0)
                {
                    call.MarkFirstByte();
                }

                attempt.ResetIdleTimeout();
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                delivered += read;
            }

            call.MarkAnswered(status);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            call.MarkClientClosed(); // What reached the caller is billed below.
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            if (delivered == 0 && !context.Response.HasStarted)
            {
                context.Response.ContentLength = null;
                await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, "The upstream connection failed while sending its audio.", "upstream_interrupted")).ConfigureAwait(false);
                return;
            }

            // Part of the audio was delivered: it is billed, and the caller sees the connection cut rather than a clean end.
            call.MarkAnswered(502);
            context.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (delivered > 0)
        {
            // No answer body to count: the audio is not text. Unpriced per character, the tokens are estimated from the body sent.
            call.BillUnits(attempt, request.Unit, request.EstimatedUnits, null, default, default);
        }
    }
}
