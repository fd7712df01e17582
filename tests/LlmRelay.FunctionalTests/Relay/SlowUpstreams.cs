using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Mock upstream handlers that are slow in the ways timeouts are about.</summary>
internal static class SlowUpstreams
{
    /// <summary>The first event of <see cref="WireSamples.StreamContent"/>, with its blank line.</summary>
    public static readonly string FirstEvent = WireSamples.StreamContent[..(WireSamples.StreamContent.IndexOf("\n\n", StringComparison.Ordinal) + 2)];

    /// <summary>Answers with a chat completion once <paramref name="release"/> completes; until then holds the request open.</summary>
    /// <remarks>Real time plays no part: only the gateway's timeout (on its fake clock) or the release ends the wait.</remarks>
    public static Func<HttpContext, RecordedRequest, Task> HeldHeaders(Task release) => async (context, request) =>
    {
        await release.WaitAsync(context.RequestAborted);
        await MockUpstream.Json(WireSamples.ChatResponse)(context, request);
    };

    /// <summary>
    /// Streams: a request whose body contains "steady" gets <see cref="FirstEvent"/> <paramref name="events"/> times, each one
    /// after the first only once <paramref name="next"/> is released, then <c>[DONE]</c>; any other gets one event and then
    /// silence until the gateway gives up.
    /// </summary>
    public static Func<HttpContext, RecordedRequest, Task> StallingOrSteadyStream(int events, SemaphoreSlim next) => async (context, request) =>
    {
        context.Response.ContentType = "text/event-stream";
        if (request.BodyText.Contains("steady", StringComparison.Ordinal))
        {
            for (var i = 0; i < events; i++)
            {
                if (i > 0)
                {
                    await next.WaitAsync(context.RequestAborted);
                }

                await context.Response.WriteAsync(FirstEvent, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            await context.Response.WriteAsync(WireSamples.StreamDone, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(FirstEvent, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    };

    /// <summary>
    /// Reads a "steady" stream from <see cref="StallingOrSteadyStream"/> while moving <paramref name="time"/> on by
    /// <paramref name="gap"/> (less than the idle timeout <paramref name="idle"/>) between events, each time once the gateway
    /// has re-armed its idle timeout: the stream lasts longer than the idle timeout in total but is never silent for that long.
    /// </summary>
    public static async Task<string> ReadSteadyAsync(Task<HttpResponseMessage> call, ArmedTimeProvider time, SemaphoreSlim next, int events, TimeSpan idle, TimeSpan gap, CancellationToken cancellationToken)
    {
        for (var i = 1; i < events; i++)
        {
            await time.WaitArmedAsync(idle, cancellationToken);
            time.Advance(gap);
            next.Release();
        }

        using var response = await call;
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }
}
