namespace LlmRelay.Configuration;

/// <summary>Options for the gateway's own outbound calls to channels (section <c>LlmRelay:Outbound</c>).</summary>
/// <remarks>
/// Every call to a channel's upstream (relayed requests, channel tests, model lists, balances, key probes and re-tests)
/// goes through one address policy. Link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
/// 169.254.169.254, fd00:ec2::254, 100.100.100.200, <c>metadata.google.internal</c>) are always refused. Loopback,
/// private, CGNAT and unspecified addresses (127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
/// fc00::/7, 100.64.0.0/10, 0.0.0.0/8, ::, and their IPv4-mapped and NAT64 forms) are refused unless
/// <see cref="AllowPrivateAddresses"/> is set. A base URL with a refused literal address is rejected when the channel
/// is saved; a host name is checked again against every address it resolves to when a connection opens.
/// </remarks>
public sealed class OutboundOptions
{
    /// <summary>Gets or sets whether channels may point at loopback, private (RFC 1918, unique-local), CGNAT and unspecified addresses.</summary>
    /// <remarks>Turn it on for upstreams on the gateway's own host or network, such as a local Ollama or vLLM server. Link-local and cloud metadata addresses stay refused either way.</remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowPrivateAddresses { get; set; }
}
