using LlmRelay.Tokens;

namespace LlmRelay.Storage.InMemory;

/// <summary>An <see cref="ITokenStore"/> over <see cref="InMemoryRelayState"/>; nothing survives a restart.</summary>
internal sealed class InMemoryTokenStore(InMemoryRelayState state) : ITokenStore
{
    public Task<ApiToken?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyHash);
        lock (state.Gate)
        {
            var token = state.Tokens.Find(t => string.Equals(t.KeyHash, keyHash, StringComparison.Ordinal));
            return Task.FromResult(token is null ? null : InMemoryRelayState.Copy(token));
        }
    }

    /// <remarks>The in-memory stores keep no users: only the token's balance moves (unconditionally for an unlimited token, as in the EF Core store).</remarks>
    public Task<QuotaReservation> TryReserveQuotaAsync(long tokenId, long amount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        lock (state.Gate)
        {
            var token = state.Tokens.Find(t => t.Id == tokenId);
            if (token is null || (!token.UnlimitedQuota && token.RemainQuota < amount))
            {
                return Task.FromResult(QuotaReservation.TokenInsufficient);
            }

            token.RemainQuota -= amount;
            return Task.FromResult(QuotaReservation.Reserved);
        }
    }

    public Task<ApiToken?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        lock (state.Gate)
        {
            var token = state.Tokens.Find(t => t.Id == id);
            return Task.FromResult(token is null ? null : InMemoryRelayState.Copy(token));
        }
    }

    public Task AddAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (state.Gate)
        {
            if (state.Tokens.Exists(t => string.Equals(t.KeyHash, token.KeyHash, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("A token with the same key already exists.");
            }

            token.Id = state.NextTokenId++;
            state.Tokens.Add(InMemoryRelayState.Copy(token));
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (state.Gate)
        {
            var index = state.Tokens.FindIndex(t => t.Id == token.Id);
            if (index < 0)
            {
                throw new InvalidOperationException($"No {nameof(ApiToken)} with id {token.Id} exists.");
            }

            state.Tokens[index] = InMemoryRelayState.Copy(token);
        }

        return Task.CompletedTask;
    }

    public Task<PagedResult<ApiToken>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        lock (state.Gate)
        {
            IEnumerable<ApiToken> rows = state.Tokens;
            if (query.UserId is { } userId)
            {
                rows = rows.Where(t => t.UserId == userId);
            }

            if (!string.IsNullOrEmpty(query.Keyword))
            {
                var keyword = query.Keyword;
                rows = rows.Where(t => t.Name.Contains(keyword, StringComparison.OrdinalIgnoreCase));
            }

            var matching = rows.OrderBy(static t => t.Id).ToList();
            var skip = (long)(query.Page - 1) * query.PageSize;
            IReadOnlyList<ApiToken> page = skip >= matching.Count
                ? []
                : [.. matching.Skip((int)skip).Take(query.PageSize).Select(InMemoryRelayState.Copy)];
            return Task.FromResult(new PagedResult<ApiToken>(page, matching.Count));
        }
    }

    public Task<int> DeleteAsync(IReadOnlyCollection<long> ids, long? userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var set = ids.ToHashSet();
        lock (state.Gate)
        {
            return Task.FromResult(state.Tokens.RemoveAll(t => set.Contains(t.Id) && (userId is null || t.UserId == userId)));
        }
    }
}
