namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Process-wide numbers for the status page: when the gateway started and how many health checks it ran.</summary>
internal sealed class StatusCounters(TimeProvider time)
{
    private long _healthChecks;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public long HealthChecks => Interlocked.Read(ref _healthChecks);

    public long CountHealthCheck() => Interlocked.Increment(ref _healthChecks);
}
