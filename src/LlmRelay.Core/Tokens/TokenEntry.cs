using System.Collections.Frozen;

namespace LlmRelay.Tokens;

/// <summary>A cached, immutable view of an <see cref="ApiToken"/> used to authorise relay calls.</summary>
internal sealed class TokenEntry
{
    private long _remainQuota;

    public TokenEntry(ApiToken token, bool userEnabled = true, bool groupUsable = true)
    {
        UserEnabled = userEnabled;
        GroupUsable = groupUsable;
        Id = token.Id;
        UserId = token.UserId;
        Name = token.Name;
        Group = string.IsNullOrWhiteSpace(token.Group) ? Channels.RelayGroups.Default : token.Group;
        Status = token.Status;
        UnlimitedQuota = token.UnlimitedQuota;
        _remainQuota = token.RemainQuota;
        ExpiresAt = token.ExpiresAt;
        Models = token.Models.Count == 0 ? null : token.Models.ToFrozenSet(StringComparer.Ordinal);
        AllowedNetworks = token.AllowIps.Count == 0 ? null : [.. token.AllowIps.Select(ParseNetwork).OfType<System.Net.IPNetwork>()];
    }

    public long Id { get; }

    public long UserId { get; }

    public string Name { get; }

    public string Group { get; }

    public TokenStatus Status { get; }

    /// <summary>Gets a value indicating whether the owning user may use the gateway (<see langword="false"/> when an administrator disabled the user).</summary>
    public bool UserEnabled { get; }

    /// <summary>Gets a value indicating whether the owning user may use the token's <see cref="Group"/> (<see langword="false"/> when it is neither the owner's group nor a selectable one, see <see cref="ITokenGroupPolicy"/>).</summary>
    public bool GroupUsable { get; }

    public bool UnlimitedQuota { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Gets the allowed models, or <see langword="null"/> when every model is allowed.</summary>
    public FrozenSet<string>? Models { get; }

    /// <summary>Gets the remaining quota as last known to this process.</summary>
    public long RemainQuota => Volatile.Read(ref _remainQuota);

    /// <summary>Gets the networks the token may be used from, or <see langword="null"/> when any address may use it.</summary>
    public System.Net.IPNetwork[]? AllowedNetworks { get; }

    /// <summary>Returns the relay's refusal for a token whose group its owner may not use (<see cref="GroupUsable"/> is <see langword="false"/>).</summary>
    public string GroupRefusal() => $"This API key's group '{Group}' is not available to its owner; choose one of the owner's groups for the key.";

    public bool AllowsModel(string model) => Models is null || Models.Contains(model);

    /// <summary>Returns whether a caller at <paramref name="address"/> may use the token (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    public bool AllowsAddress(System.Net.IPAddress? address)
    {
        if (AllowedNetworks is null)
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in AllowedNetworks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns whether <paramref name="entry"/> is an IP address or a CIDR range, as <see cref="ApiToken.AllowIps"/> accepts.</summary>
    public static bool IsValidNetwork(string? entry) => entry is not null && ParseNetwork(entry) is not null;

    // A bare address is a /32 (or /128) network; an entry that parses as neither never matches.
    private static System.Net.IPNetwork? ParseNetwork(string entry)
    {
        var text = entry.Trim();
        if (System.Net.IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        return System.Net.IPAddress.TryParse(text, out var address)
            ? new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    /// <summary>Lowers the cached balance after a charge, so later requests see it before the store does.</summary>
    public void Charge(long quota) => Interlocked.Add(ref _remainQuota, -quota);
}
