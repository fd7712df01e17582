using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Mock upstream handlers that are slow in the ways timeouts are about.</summary>
internal static class SlowUpstreams
{
    /// <summary>The first event of <see cref="WireSamples.StreamContent"/>, with its blank line.</summary>
    public static readonly string FirstEvent = WireSamples.StreamContent[..(WireSamples.StreamContent.IndexOf("\n\n", StringComparison.Ordinal) + 2)];

    /// <summary>Answers after <paramref name="delay"/> with a chat completion.</summary>
    public static Func<HttpContext, RecordedRequest, Task> SlowHeaders(TimeSpan delay) => async (context, request) =>
    {
        await Task.Delay(delay, context.RequestAborted);
        await MockUpstream.Json(WireSamples.ChatResponse)(context, request);
    };

    /// <summary>
    /// Streams: a request whose body contains "steady" gets <see cref="FirstEvent"/> <paramref name="events"/> times, one every
    /// <paramref name="gap"/>, then <c>[DONE]</c>; any other gets one event and then silence for 20 seconds.
    /// </summary>
    public static Func<HttpContext, RecordedRequest, Task> StallingOrSteadyStream(int events, TimeSpan gap) => async (context, request) =>
    {
        context.Response.ContentType = "text/event-stream";
        if (request.BodyText.Contains("steady", StringComparison.Ordinal))
        {
            for (var i = 0; i < events; i++)
            {
                await context.Response.WriteAsync(FirstEvent, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(gap, context.RequestAborted);
            }

            await context.Response.WriteAsync(WireSamples.StreamDone, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(FirstEvent, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
    };
}
