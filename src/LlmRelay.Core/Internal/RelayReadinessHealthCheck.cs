using LlmRelay.Selection;
using LlmRelay.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmRelay.Internal;

/// <summary>Ready when start-up has finished, every channel's stored keys could be decrypted and the database answers.</summary>
internal sealed class RelayReadinessHealthCheck(RelayReadiness readiness, IRelayDatabase database, ChannelCatalogProvider catalog) : IHealthCheck
{
    public const string Tag = Health.RelayHealthChecks.ReadyTag;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsReady)
        {
            return HealthCheckResult.Unhealthy("LlmRelay is starting: migrations and configuration sync have not finished.");
        }

        if (catalog.Current.UnreadableKeyChannels.Count is > 0 and var count)
        {
            return HealthCheckResult.Unhealthy(
                $"{count} channel(s) have upstream keys that cannot be decrypted: the Data Protection key ring that encrypted them is not available (see docs/deployment.md, Data Protection keys).");
        }

        return await database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database is not reachable.");
    }
}
