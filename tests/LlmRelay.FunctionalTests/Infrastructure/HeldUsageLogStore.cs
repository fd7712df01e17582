using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>Wraps the gateway's real <see cref="IUsageLogStore"/> so that writes wait until a test releases them (a stalled database).</summary>
internal sealed class HeldUsageLogStore(IUsageLogStore inner, Task gate) : IUsageLogStore
{
    /// <summary>Replaces the registered store with one whose writes wait for <paramref name="gate"/>; reads pass straight through.</summary>
    public static void Install(IServiceCollection services, Task gate)
    {
        var registered = services.Last(static d => d.ServiceType == typeof(IUsageLogStore));
        services.Remove(registered);
        services.AddScoped<IUsageLogStore>(sp => new HeldUsageLogStore(
            registered.ImplementationFactory is { } factory ? (IUsageLogStore)factory(sp) : (IUsageLogStore)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
            gate));
    }

    public async Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default)
    {
        await gate.ConfigureAwait(false);
        await inner.AppendAsync(logs, settlements, cancellationToken).ConfigureAwait(false);
    }

    public Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
}
