using System.Net;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Providers;

/// <summary>The one pooled HTTP connection stack used to call upstreams.</summary>
/// <remarks>
/// An <see cref="HttpMessageInvoker"/> over <see cref="SocketsHttpHandler"/>, as YARP's forwarder uses:
/// no cookies, no redirects, no decompression (bodies pass through as they are), a connect timeout, and
/// connections recycled periodically so DNS changes are seen. Thread-safe.
/// </remarks>
internal sealed class UpstreamInvoker : IDisposable
{
    public UpstreamInvoker(IOptions<LlmRelayOptions> options)
        : this(CreateHandler(options.Value))
    {
    }

    internal UpstreamInvoker(HttpMessageHandler handler) => Invoker = new HttpMessageInvoker(handler, disposeHandler: true);

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();

    private static SocketsHttpHandler CreateHandler(LlmRelayOptions options) => new()
    {
        UseProxy = true,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        EnableMultipleHttp2Connections = true,
        MaxConnectionsPerServer = int.MaxValue,

        // null leaves HttpClient's diagnostics handler out of the chain: no Activity, tags or traceparent per call.
        ActivityHeadersPropagator = options.PropagateTraceContext ? System.Diagnostics.DistributedContextPropagator.Current : null,
    };
}
