namespace LlmRelay.Storage;

/// <summary>
/// Thrown by <see cref="IUsageLogStore.AppendAsync(IReadOnlyList{Usage.UsageLog}, IReadOnlyCollection{Usage.QuotaSettlement}, CancellationToken)"/>
/// when the database refused the batch's data (a value it cannot store or a constraint it violates), not because it is
/// unavailable: appending the same rows again would fail again.
/// </summary>
/// <remarks>
/// Nothing of the batch was stored. The usage-log writer retries any other failure as an outage; on this one it splits
/// the batch and appends each half on its own until the refused rows are isolated, stores every other row, and rejects
/// a row that fails alone: the row is not stored, but its quota settlement still is. <see cref="Exception.Message"/>
/// names the database's error without the rows' values, so it may be logged.
/// </remarks>
public sealed class UsageLogRejectedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="UsageLogRejectedException"/> class.</summary>
    public UsageLogRejectedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UsageLogRejectedException"/> class.</summary>
    /// <param name="message">Why the database refused the batch, without the rows' values.</param>
    public UsageLogRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UsageLogRejectedException"/> class.</summary>
    /// <param name="message">Why the database refused the batch, without the rows' values.</param>
    /// <param name="innerException">The database's error.</param>
    public UsageLogRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
