using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Hosting;

/// <summary>Logs, once the server has started, where the gateway answers: the API base URL, the dashboard and the status page.</summary>
/// <remarks>
/// A new operator reads the console first (issue #15). The URLs come from the server's bound addresses (known only once
/// it has started) and from the relay's own endpoints, whose patterns carry the prefix of the group <c>MapLlmRelay()</c>
/// was mapped into. Wildcard hosts (<c>[::]</c>, <c>0.0.0.0</c>, <c>+</c>, <c>*</c>) are shown as <c>localhost</c>.
/// </remarks>
internal static partial class StartupAnnouncement
{
    internal const string Category = "LlmRelay.Hosting";

    /// <summary>The endpoint whose pattern gives the group's prefix (it ends with <see cref="ChatPath"/>).</summary>
    private const string ChatEndpointName = "LlmRelay.ChatCompletions";

    private const string ChatPath = "/v1/chat/completions";

    public static void Register(IServiceProvider services, GatewayPaths paths)
    {
        if (services.GetService<IHostApplicationLifetime>() is not { } lifetime)
        {
            return;
        }

        lifetime.ApplicationStarted.Register(() => Announce(services, paths));
    }

    private static void Announce(IServiceProvider services, GatewayPaths paths)
    {
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(Category);
        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (logger is null || !logger.IsEnabled(LogLevel.Information) || address is null)
        {
            return;
        }

        var pattern = services.GetService<EndpointDataSource>()?.Endpoints.OfType<RouteEndpoint>()
            .FirstOrDefault(static e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == ChatEndpointName)?.RoutePattern.RawText;
        var prefix = pattern is not null && pattern.EndsWith(ChatPath, StringComparison.Ordinal) ? pattern[..^ChatPath.Length].TrimEnd('/') : "";
        if (prefix.Length > 0 && prefix[0] != '/')
        {
            prefix = "/" + prefix;
        }

        var root = Browsable(address).TrimEnd('/') + prefix;
        var dashboard = paths.Dashboard is { } d ? root + (d.Length == 0 ? "/" : d) : "not enabled";
        var status = paths.Status is { } s ? root + s : "not enabled";
        Ready(logger, root + "/v1", dashboard, status);
    }

    private static string Browsable(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return address;
        }

        var host = uri.Host is "[::]" or "::" or "0.0.0.0" ? "localhost" : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri.GetLeftPart(UriPartial.Authority);
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "LlmRelay is listening. API base URL: {ApiBase}; dashboard: {Dashboard}; status page: {Status}")]
    private static partial void Ready(ILogger logger, string apiBase, string dashboard, string status);
}
