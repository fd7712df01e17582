using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Tokens;

namespace LlmRelay.Core.Tests.TestDoubles;

internal sealed class FakeChannelStore : IChannelStore
{
    public List<RelayChannel> Channels { get; } = [];

    public Task<IReadOnlyList<RelayChannel>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<RelayChannel>>([.. Channels]);

    public Task<RelayChannel?> FindAsync(long id, CancellationToken cancellationToken = default) => Task.FromResult(Channels.Find(c => c.Id == id));

    public Task AddAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        channel.Id = Channels.Count + 1;
        Channels.Add(channel);
        return Task.CompletedTask;
    }

    public Task UpdateAsync(RelayChannel channel, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) => Task.FromResult(Channels.RemoveAll(c => c.Id == id) > 0);
}

internal sealed class FakeTokenStore : ITokenStore
{
    public List<ApiToken> Tokens { get; } = [];

    public int Lookups { get; private set; }

    public Task<ApiToken?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        Lookups++;
        return Task.FromResult(Tokens.Find(t => t.KeyHash == keyHash));
    }

    public Task<ApiToken?> FindAsync(long id, CancellationToken cancellationToken = default) => Task.FromResult(Tokens.Find(t => t.Id == id));

    public Task AddAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        token.Id = Tokens.Count + 1;
        Tokens.Add(token);
        return Task.CompletedTask;
    }

    public Task UpdateAsync(ApiToken token, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<QuotaReservation> TryReserveQuotaAsync(long tokenId, long amount, CancellationToken cancellationToken = default)
    {
        var token = Tokens.Find(t => t.Id == tokenId);
        if (token is null || (!token.UnlimitedQuota && token.RemainQuota < amount))
        {
            return Task.FromResult(QuotaReservation.TokenInsufficient);
        }

        token.RemainQuota -= amount;
        return Task.FromResult(QuotaReservation.Reserved);
    }

    public Task<PagedResult<ApiToken>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        var matches = Tokens.Where(t => query.UserId is null || t.UserId == query.UserId).ToList();
        return Task.FromResult(new PagedResult<ApiToken>([.. matches.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)], matches.Count));
    }

    public Task<int> DeleteAsync(IReadOnlyCollection<long> ids, long? userId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Tokens.RemoveAll(t => ids.Contains(t.Id) && (userId is null || t.UserId == userId)));
}
