using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace LlmRelay.AspNetCore.Hosting;

/// <summary>Keeps <c>X-Forwarded-For</c> trusted only from known proxies, so callers cannot pick the address that token <c>allow_ips</c>, the sign-in limits and the usage log see.</summary>
/// <remarks>
/// <para>
/// <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> turns ASP.NET Core's forwarded-headers middleware on and empties
/// <see cref="ForwardedHeadersOptions.KnownProxies"/> and <see cref="ForwardedHeadersOptions.KnownIPNetworks"/>, which
/// makes it believe the header from any client (issue #13). <c>MapLlmRelay()</c> applies this class to the app's
/// <see cref="ForwardedHeadersOptions"/> before the pipeline is built:
/// </para>
/// <code>
/// LlmRelay:ForwardedHeaders:KnownProxies / KnownNetworks set ─► they replace both lists (addresses; CIDR networks)
/// neither set, both lists empty                              ─► loopback only (127.0.0.0/8, ::1), ASP.NET Core's default
/// neither set, lists configured by the app                   ─► left as they are
/// </code>
/// <para>To trust every address (only when the gateway cannot be reached but through the proxy) list <c>0.0.0.0/0</c> and <c>::/0</c> as networks.</para>
/// </remarks>
internal static class ForwardedHeadersTrust
{
    public const string KnownProxiesSetting = "LlmRelay:ForwardedHeaders:KnownProxies";
    public const string KnownNetworksSetting = "LlmRelay:ForwardedHeaders:KnownNetworks";

    /// <summary>Applies the settings to the app's <see cref="ForwardedHeadersOptions"/> (the instance the middleware will read).</summary>
    /// <exception cref="InvalidOperationException">A configured entry is not an IP address or network.</exception>
    public static void Apply(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var options = services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        var proxies = ConfigurationLists.Read(configuration, KnownProxiesSetting);
        var networks = ConfigurationLists.Read(configuration, KnownNetworksSetting);
        if (proxies.Count > 0 || networks.Count > 0)
        {
            Replace(
                options,
                proxies.Select(static p => IPAddress.TryParse(p, out var address) ? address : throw Invalid(KnownProxiesSetting, p, "an IP address")),
                networks.Select(static n => IPNetwork.TryParse(n, out var network) ? network : throw Invalid(KnownNetworksSetting, n, "a network such as 10.0.0.0/8")));
            return;
        }

#pragma warning disable ASPDEPR005 // KnownNetworks is obsolete, but ASP.NET Core's own setup still clears it.
        if (options.KnownProxies.Count == 0 && options.KnownIPNetworks.Count == 0 && options.KnownNetworks.Count == 0)
#pragma warning restore ASPDEPR005
        {
            Replace(options, [IPAddress.IPv6Loopback], [new IPNetwork(IPAddress.Loopback, 8)]);
        }
    }

    private static void Replace(ForwardedHeadersOptions options, IEnumerable<IPAddress> proxies, IEnumerable<IPNetwork> networks)
    {
        var proxyList = proxies.ToList();
        var networkList = networks.ToList();
#pragma warning disable ASPDEPR005
        options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var proxy in proxyList)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in networkList)
        {
            options.KnownIPNetworks.Add(network);
        }
    }

    private static InvalidOperationException Invalid(string setting, string value, string expected) =>
        new($"{setting}: '{value}' is not {expected}.");
}
