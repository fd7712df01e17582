namespace LlmRelay.Usage;

/// <summary>The quota that settling usage-log rows moves for one token and its user, without the rows themselves.</summary>
/// <remarks>
/// A row dropped from a full usage-log queue is not stored, but its settlement still is: the queue adds it to a
/// <see cref="QuotaSettlement"/> per token and user, and the writer hands those to
/// <see cref="Storage.IUsageLogStore.AppendAsync(IReadOnlyList{UsageLog}, IReadOnlyCollection{QuotaSettlement}, CancellationToken)"/>
/// with its next batch. The token's remaining quota decreases by <see cref="Charged"/> minus <see cref="Reserved"/> and its used
/// quota increases by <see cref="Charged"/>; the user's quota likewise decreases by <see cref="Charged"/> minus <see cref="Reserved"/>
/// (a reservation takes the same amount from the token and its user), its used quota increases by <see cref="Charged"/> and its
/// request count by <see cref="Requests"/>, exactly as if the rows had been appended.
/// </remarks>
/// <param name="TokenId">The token the rows were charged to, or 0 when none.</param>
/// <param name="UserId">The user who owns the token, or 0 when none.</param>
/// <param name="Charged">The quota the rows charged (the <see cref="UsageLog.Quota"/> of consume rows).</param>
/// <param name="Reserved">The quota reserved from the token and its user for the rows before their upstream calls (<see cref="UsageLog.ReservedQuota"/>), returned now.</param>
/// <param name="Requests">The number of consume rows.</param>
public readonly record struct QuotaSettlement(long TokenId, long UserId, long Charged, long Reserved, long Requests)
{
    /// <summary>Gets a value indicating whether settling moves nothing: rows that neither charged nor reserved quota are not counted as requests either.</summary>
    public bool IsEmpty => Charged == 0 && Reserved == 0;

    /// <summary>Returns the settlement of one usage-log row.</summary>
    /// <param name="log">The row.</param>
    /// <returns>
    /// What appending <paramref name="log"/> would move: only <see cref="UsageLogType.Consume"/> rows charge and count as requests;
    /// a <see cref="UsageLogType.Refund"/> row (a failed video task, issue #17) charges its <see cref="UsageLog.Quota"/> back: a negative charge.
    /// </returns>
    public static QuotaSettlement Of(UsageLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var consume = log.Type == UsageLogType.Consume;
        var charged = consume ? log.Quota : log.Type == UsageLogType.Refund ? -log.Quota : 0;
        return new QuotaSettlement(log.TokenId, log.UserId, charged, log.ReservedQuota, consume ? 1 : 0);
    }

    /// <summary>Returns the sum of this settlement and <paramref name="other"/>, which must be for the same token and user.</summary>
    /// <param name="other">The settlement to add.</param>
    /// <returns>The combined settlement.</returns>
    public QuotaSettlement Add(QuotaSettlement other) =>
        this with { Charged = Charged + other.Charged, Reserved = Reserved + other.Reserved, Requests = Requests + other.Requests };
}
