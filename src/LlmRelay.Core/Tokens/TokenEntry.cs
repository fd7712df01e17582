using System.Collections.Frozen;

namespace LlmRelay.Tokens;

/// <summary>A cached, immutable view of an <see cref="ApiToken"/> used to authorise relay calls.</summary>
/// <remarks>Returned by <see cref="TokenCache.FindAsync"/>. Thread-safe.</remarks>
public sealed class TokenEntry
{
    private long _remainQuota;

    internal TokenEntry(ApiToken token, bool userEnabled = true, bool groupUsable = true)
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

    /// <summary>Gets the token's identifier.</summary>
    public long Id { get; }

    /// <summary>Gets the owning user's identifier, or 0 for a token declared in configuration.</summary>
    public long UserId { get; }

    /// <summary>Gets the token's name.</summary>
    public string Name { get; }

    /// <summary>Gets the group whose channels serve the token's calls.</summary>
    public string Group { get; }

    /// <summary>Gets the token's stored status.</summary>
    public TokenStatus Status { get; }

    /// <summary>Gets a value indicating whether the owning user may use the gateway (<see langword="false"/> when an administrator disabled the user).</summary>
    public bool UserEnabled { get; }

    /// <summary>Gets a value indicating whether the owning user may use the token's <see cref="Group"/> (<see langword="false"/> when it is neither the owner's group nor a selectable one, see <see cref="ITokenGroupPolicy"/>).</summary>
    public bool GroupUsable { get; }

    /// <summary>Gets a value indicating whether the token's own quota is unlimited.</summary>
    public bool UnlimitedQuota { get; }

    /// <summary>Gets when the token expires, or <see langword="null"/> when it never does.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Gets the allowed models, or <see langword="null"/> when every model is allowed.</summary>
    internal FrozenSet<string>? Models { get; }

    /// <summary>Gets the remaining quota as last known to this process.</summary>
    public long RemainQuota => Volatile.Read(ref _remainQuota);

    /// <summary>Gets the networks the token may be used from, or <see langword="null"/> when any address may use it.</summary>
    internal System.Net.IPNetwork[]? AllowedNetworks { get; }

    /// <summary>Returns the relay's refusal for a token whose group its owner may not use (<see cref="GroupUsable"/> is <see langword="false"/>).</summary>
    /// <returns>The refusal message.</returns>
    public string GroupRefusal() => $"This API key's group '{Group}' is not available to its owner; choose one of the owner's groups for the key.";

    /// <summary>Returns whether the token may use <paramref name="model"/> (every model when the token lists none).</summary>
    /// <param name="model">The model name.</param>
    /// <returns><see langword="true"/> when the model is allowed.</returns>
    public bool AllowsModel(string model) => Models is null || Models.Contains(model);

    /// <summary>Returns whether a caller at <paramref name="address"/> may use the token (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    /// <param name="address">The caller's address, or <see langword="null"/> when unknown (allowed only when the token has no address list).</param>
    /// <returns><see langword="true"/> when the address may use the token.</returns>
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
    /// <param name="entry">The entry to check.</param>
    /// <returns><see langword="true"/> when the entry is valid.</returns>
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
    internal void Charge(long quota) => Interlocked.Add(ref _remainQuota, -quota);
}
