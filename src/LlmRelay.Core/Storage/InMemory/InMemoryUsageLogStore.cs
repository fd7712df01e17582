using LlmRelay.Usage;

namespace LlmRelay.Storage.InMemory;

/// <summary>An <see cref="IUsageLogStore"/> that keeps the newest <see cref="InMemoryRelayState.MaxUsageLogs"/> rows in memory.</summary>
/// <remarks>Quota charges move the token balances in the same lock as the rows are appended, so a batch is applied whole.</remarks>
internal sealed class InMemoryUsageLogStore(InMemoryRelayState state) : IUsageLogStore
{
    public Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(settlements);
        foreach (var log in logs)
        {
            ArgumentNullException.ThrowIfNull(log, nameof(logs));
        }

        lock (state.Gate)
        {
            foreach (var settlement in settlements)
            {
                Settle(settlement);
            }

            foreach (var log in logs)
            {
                Settle(QuotaSettlement.Of(log));
                log.Id = state.NextUsageLogId++;
                state.UsageLogs.Enqueue(InMemoryRelayState.Copy(log));
                while (state.UsageLogs.Count > InMemoryRelayState.MaxUsageLogs)
                {
                    state.UsageLogs.Dequeue();
                }
            }
        }

        return Task.CompletedTask;
    }

    // Called under the state's lock.
    private void Settle(QuotaSettlement settlement)
    {
        if (settlement.TokenId != 0 && !settlement.IsEmpty && state.Tokens.Find(t => t.Id == settlement.TokenId) is { } token)
        {
            // The reservation already left the balance; settle the difference.
            token.RemainQuota -= settlement.Charged - settlement.Reserved;
            token.UsedQuota += settlement.Charged;
        }
    }

    public Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        lock (state.Gate)
        {
            var matching = state.UsageLogs.Where(l => Matches(l, query))
                .OrderByDescending(static l => l.CreatedAt)
                .ThenByDescending(static l => l.Id)
                .ToList();
            var skip = (long)(query.Page - 1) * query.PageSize;
            IReadOnlyList<UsageLog> page = skip >= matching.Count
                ? []
                : [.. matching.Skip((int)skip).Take(query.PageSize).Select(InMemoryRelayState.Copy)];
            return Task.FromResult(new UsageLogPage(page, matching.Count));
        }
    }

    private static bool Matches(UsageLog log, UsageLogQuery query) =>
        (query.Type is not { } type || log.Type == type) &&
        (query.Start is not { } start || log.CreatedAt >= start) &&
        (query.End is not { } end || log.CreatedAt < end) &&
        (query.UserId is not { } userId || log.UserId == userId) &&
        (query.TokenId is not { } tokenId || log.TokenId == tokenId) &&
        (query.TokenName is not { } tokenName || string.Equals(log.TokenName, tokenName, StringComparison.Ordinal)) &&
        (query.ModelName is not { } modelName || string.Equals(log.ModelName, modelName, StringComparison.Ordinal)) &&
        (query.ChannelId is not { } channelId || log.ChannelId == channelId) &&
        (query.Group is not { } group || string.Equals(log.Group, group, StringComparison.Ordinal));
}
