using System.Collections.Frozen;

namespace LlmRelay.Tokens;

/// <summary>A cached, immutable view of an <see cref="ApiToken"/> used to authorise relay calls.</summary>
internal sealed class TokenEntry
{
    private long _remainQuota;

    public TokenEntry(ApiToken token)
    {
        Id = token.Id;
        UserId = token.UserId;
        Name = token.Name;
        Group = string.IsNullOrWhiteSpace(token.Group) ? Channels.RelayGroups.Default : token.Group;
        Status = token.Status;
        UnlimitedQuota = token.UnlimitedQuota;
        _remainQuota = token.RemainQuota;
        ExpiresAt = token.ExpiresAt;
        Models = token.Models.Count == 0 ? null : token.Models.ToFrozenSet(StringComparer.Ordinal);
    }

    public long Id { get; }

    public long UserId { get; }

    public string Name { get; }

    public string Group { get; }

    public TokenStatus Status { get; }

    public bool UnlimitedQuota { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Gets the allowed models, or <see langword="null"/> when every model is allowed.</summary>
    public FrozenSet<string>? Models { get; }

    /// <summary>Gets the remaining quota as last known to this process.</summary>
    public long RemainQuota => Volatile.Read(ref _remainQuota);

    public bool AllowsModel(string model) => Models is null || Models.Contains(model);

    /// <summary>Lowers the cached balance after a charge, so later requests see it before the store does.</summary>
    public void Charge(long quota) => Interlocked.Add(ref _remainQuota, -quota);
}
