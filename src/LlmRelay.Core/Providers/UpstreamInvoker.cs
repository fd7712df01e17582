using System.Net;
using System.Net.Sockets;
using LlmRelay.Configuration;
using LlmRelay.Internal;
using LlmRelay.Selection;
using Microsoft.Extensions.Options;

namespace LlmRelay.Providers;

/// <summary>The one pooled HTTP connection stack used to call upstreams.</summary>
/// <remarks>
/// An <see cref="HttpMessageInvoker"/> over <see cref="SocketsHttpHandler"/>, as YARP's forwarder uses:
/// no cookies, no redirects, no decompression (bodies pass through as they are), a connect timeout, and
/// connections recycled periodically so DNS changes are seen. Thread-safe.
/// <para>
/// The connect timeout is per channel: the handler's <see cref="SocketsHttpHandler.ConnectCallback"/> reads it from the
/// request that opened the connection (<see cref="SetConnectTimeout"/>), falling back to
/// <see cref="LlmRelayOptions.ConnectTimeout"/>. A request only carries it when its channel overrides the global value.
/// </para>
/// <para>
/// The same callback enforces <see cref="OutboundAddressPolicy"/>: it resolves the host itself, drops every refused address
/// and connects only to an allowed one, so a host name that resolves to an internal address is refused whatever the
/// channel was saved with. Through a proxy, the request's own host is resolved and judged before the proxy is dialled.
/// </para>
/// </remarks>
public sealed class UpstreamInvoker : IDisposable
{
    /// <summary>The <see cref="HttpRequestMessage.Options"/> key of a channel's own connect timeout (a <see cref="TimeSpan"/>).</summary>
    internal const string ConnectTimeoutOption = "LlmRelay.ConnectTimeout";

    internal UpstreamInvoker(IOptions<LlmRelayOptions> options, OutboundAddressPolicy policy, TimeProvider time)
        : this(CreateHandler(options.Value, policy, time))
    {
    }

    internal UpstreamInvoker(HttpMessageHandler handler) => Invoker = new HttpMessageInvoker(handler, disposeHandler: true);

    /// <summary>Gets the invoker: pooled connections, the outbound address policy applied at connect time, no cookies, no redirects.</summary>
    /// <remarks>Shared; do not dispose it.</remarks>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>Makes a new connection opened for <paramref name="request"/> use <paramref name="channel"/>'s own connect timeout, if it has one.</summary>
    /// <remarks>Allocation-free for channels without their own value; otherwise only the request's option bag is created.</remarks>
    internal static void SetConnectTimeout(HttpRequestMessage request, ChannelEntry channel)
    {
        if (channel.ConnectTimeoutOverride is { } timeout)
        {
            ((IDictionary<string, object?>)request.Options)[ConnectTimeoutOption] = timeout;
        }
    }

    /// <summary>Returns the connect timeout for a connection opened for <paramref name="request"/>.</summary>
    internal static TimeSpan ConnectTimeoutOf(HttpRequestMessage? request, TimeSpan fallback) =>
        request is not null && ((IDictionary<string, object?>)request.Options).TryGetValue(ConnectTimeoutOption, out var value) && value is TimeSpan timeout
            ? timeout
            : fallback;

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose() => Invoker.Dispose();

    private static SocketsHttpHandler CreateHandler(LlmRelayOptions options, OutboundAddressPolicy policy, TimeProvider time)
    {
        var fallback = options.ConnectTimeout;
        return new()
        {
            UseProxy = true,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,

            // The callback enforces the (per-channel) connect timeout itself.
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context, ConnectTimeoutOf(context.InitialRequestMessage, fallback), policy, time, cancellationToken),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            EnableMultipleHttp2Connections = true,
            MaxConnectionsPerServer = int.MaxValue,

            // null leaves HttpClient's diagnostics handler out of the chain: no Activity, tags or traceparent per call.
            ActivityHeadersPropagator = options.PropagateTraceContext ? System.Diagnostics.DistributedContextPropagator.Current : null,
        };
    }

    // What SocketsHttpHandler does without a callback (a dual-mode socket, Nagle off), bounded by the timeout, connecting
    // only to addresses the policy allows (tried in the resolver's order).
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, TimeSpan timeout, OutboundAddressPolicy policy, TimeProvider time, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        using var cts = new TimeoutSource(timeout, time, cancellationToken);
        try
        {
            IPAddress[] addresses;
            if (context.InitialRequestMessage.RequestUri is { } target && IsProxied(target, endpoint))
            {
                // The proxy is the operator's own; the upstream behind it is what the policy judges.
                await policy.ResolveAsync(target.IdnHost, cts.Token).ConfigureAwait(false);
                addresses = await Dns.GetHostAddressesAsync(endpoint.Host, cts.Token).ConfigureAwait(false);
            }
            else
            {
                addresses = await policy.ResolveAsync(endpoint.Host, cts.Token).ConfigureAwait(false);
            }

            return await ConnectAnyAsync(addresses, endpoint.Port, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to {endpoint.Host}:{endpoint.Port} timed out after {timeout.TotalSeconds:0.###} s.");
        }
    }

    private static async Task<Stream> ConnectAnyAsync(IPAddress[] addresses, int port, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses[i], port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (i < addresses.Length - 1)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private static bool IsProxied(Uri target, DnsEndPoint endpoint) =>
        target.Port != endpoint.Port || !string.Equals(target.IdnHost.Trim('[', ']'), endpoint.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
}
