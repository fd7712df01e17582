using System.Diagnostics;
using LlmRelay.Storage;
using LlmRelay.Usage;

namespace LlmRelay.Benchmarks;

/// <summary>Wraps the real <see cref="IUsageLogStore"/> and reports each committed batch to a <see cref="PersistenceRecorder"/>.</summary>
/// <param name="inner">The store the gateway would use.</param>
/// <param name="recorder">The recorder.</param>
internal sealed class TimedUsageLogStore(IUsageLogStore inner, PersistenceRecorder recorder) : IUsageLogStore
{
    public async Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await inner.AppendAsync(logs, settlements, cancellationToken);
        if (logs.Count > 0)
        {
            recorder.Committed(logs.Count, Stopwatch.GetTimestamp() - started);
        }
    }

    public Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(query, cancellationToken);
}
