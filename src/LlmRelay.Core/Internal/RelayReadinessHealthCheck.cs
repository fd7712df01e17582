using LlmRelay.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmRelay.Internal;

/// <summary>Ready when start-up has finished and the database answers.</summary>
internal sealed class RelayReadinessHealthCheck(RelayReadiness readiness, IRelayDatabase database) : IHealthCheck
{
    public const string Tag = "ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsReady)
        {
            return HealthCheckResult.Unhealthy("LlmRelay is starting: migrations and configuration sync have not finished.");
        }

        return await database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database is not reachable.");
    }
}
