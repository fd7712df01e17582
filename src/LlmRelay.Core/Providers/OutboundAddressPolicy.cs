using System.Net;
using System.Net.Sockets;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Providers;

/// <summary>Decides which addresses the gateway may connect to on a channel's behalf (see <see cref="OutboundOptions"/>).</summary>
/// <remarks>
/// Used twice: on the literal host of a base URL when a channel is saved (<see cref="CheckUrl"/>), and on every address a
/// host name resolves to when <see cref="UpstreamInvoker"/> opens a connection (<see cref="ResolveAsync"/>), so a name
/// that resolves (or is re-pointed) to an internal address is caught too. Addresses embedded in IPv6 (IPv4-mapped,
/// IPv4-compatible, NAT64 <c>64:ff9b::/96</c>, 6to4) are judged by the IPv4 address they carry. Thread-safe.
/// </remarks>
public sealed class OutboundAddressPolicy
{
    /// <summary>The configuration key that allows private addresses.</summary>
    internal const string AllowPrivateSetting = "LlmRelay:Outbound:AllowPrivateAddresses";

    // Cloud instance metadata and platform endpoints: AWS/GCP/Azure/OpenStack (169.254.169.254), AWS IPv6 (fd00:ec2::254),
    // Alibaba Cloud (100.100.100.200), Azure's wire server (168.63.129.16).
    private static readonly IPAddress[] MetadataAddresses =
        [IPAddress.Parse("169.254.169.254"), IPAddress.Parse("fd00:ec2::254"), IPAddress.Parse("100.100.100.200"), IPAddress.Parse("168.63.129.16")];

    private static readonly string[] MetadataHosts = ["metadata.google.internal", "metadata.goog"];

    // Never a unicast upstream on any network: link-local, multicast, reserved and broadcast.
    private static readonly IPNetwork[] NeverNetworks =
        [IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8")];

    // The gateway's own host and networks: allowed only with AllowPrivateAddresses.
    private static readonly IPNetwork[] PrivateNetworks =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fec0::/10"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Ipv4Compatible = IPNetwork.Parse("::/96");

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    internal OutboundAddressPolicy(IOptions<LlmRelayOptions> options)
        : this(options.Value.Outbound.AllowPrivateAddresses)
    {
    }

    /// <summary>Initializes a policy; <paramref name="resolve"/> replaces DNS (tests).</summary>
    internal OutboundAddressPolicy(bool allowPrivateAddresses, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        AllowPrivateAddresses = allowPrivateAddresses;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    internal bool AllowPrivateAddresses { get; }

    /// <summary>Classifies <paramref name="address"/>, judging an IPv4 address embedded in IPv6 by itself.</summary>
    internal static OutboundAddressKind Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Embedded(address) is { } embedded)
        {
            address = embedded;
        }

        if (address.IsIPv6LinkLocal || address.IsIPv6Multicast || Array.Exists(MetadataAddresses, address.Equals) || Array.Exists(NeverNetworks, n => n.Contains(address))
            || address.Equals(IPAddress.Broadcast))
        {
            return OutboundAddressKind.Never;
        }

        return IPAddress.IsLoopback(address) || Array.Exists(PrivateNetworks, n => n.Contains(address)) ? OutboundAddressKind.Private : OutboundAddressKind.Public;
    }

    /// <summary>Returns why the gateway may not connect to <paramref name="address"/>, or <see langword="null"/> when it may.</summary>
    internal string? Check(IPAddress address) => Classify(address) switch
    {
        OutboundAddressKind.Never => $"{address} is a link-local, multicast or cloud metadata address; the gateway never connects to those.",
        OutboundAddressKind.Private when !AllowPrivateAddresses =>
            $"{address} is a loopback, private or otherwise internal address; set {AllowPrivateSetting}=true to allow upstreams on the gateway's own host or network (such as a local Ollama or vLLM server).",
        _ => null,
    };

    /// <summary>Returns why a base URL may not be used, judging a literal address host (in any form the URI parser accepts) and well-known metadata names; other names are checked when connecting.</summary>
    public string? CheckUrl(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var host = uri.IdnHost.Trim('[', ']').TrimEnd('.');
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(host, out var address))
        {
            return Check(address);
        }

        return Array.Exists(MetadataHosts, m => string.Equals(m, host, StringComparison.OrdinalIgnoreCase))
            ? $"{host} is a cloud metadata endpoint; the gateway never connects to those."
            : null;
    }

    /// <summary>Resolves <paramref name="host"/> and returns the addresses the gateway may connect to.</summary>
    /// <exception cref="OutboundAddressDeniedException">The host resolves only to refused addresses.</exception>
    internal async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.Trim('[', ']');
        if (Array.Exists(MetadataHosts, m => string.Equals(m, name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)))
        {
            throw new OutboundAddressDeniedException($"Connecting to {name} is refused: it is a cloud metadata endpoint; the gateway never connects to those.");
        }

        var addresses = IPAddress.TryParse(name, out var literal) ? [literal] : await _resolve(name, cancellationToken).ConfigureAwait(false);
        string? refusal = null;
        var allowed = new List<IPAddress>(addresses.Length);
        foreach (var address in addresses)
        {
            if (Check(address) is { } reason)
            {
                refusal ??= reason;
            }
            else
            {
                allowed.Add(address);
            }
        }

        return allowed.Count > 0
            ? [.. allowed]
            : throw new OutboundAddressDeniedException($"Connecting to {name} is refused by the outbound address policy: {refusal ?? "it resolves to no address."}");
    }

    private static IPAddress? Embedded(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address) || (Ipv4Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)))
        {
            return new IPAddress(bytes[12..]);
        }

        return SixToFour.Contains(address) ? new IPAddress(bytes[2..6]) : null;
    }
}
