using System.Runtime.CompilerServices;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>Wraps the gateway's real <see cref="IUsageLogStore"/> so that writes wait until a test releases them (a stalled database).</summary>
internal sealed class HeldUsageLogStore(IUsageLogStore inner, Task gate, StrongBox<int>? held) : IUsageLogStore
{
    /// <summary>Replaces the registered store with one whose writes wait for <paramref name="gate"/>; reads pass straight through.</summary>
    /// <param name="services">The gateway's services.</param>
    /// <param name="gate">Completes when the database recovers.</param>
    /// <param name="held">Counts the rows handed to the store so far (held or stored), when given: the writer may take more rows into one batch than the queue holds at once.</param>
    public static void Install(IServiceCollection services, Task gate, StrongBox<int>? held = null)
    {
        var registered = services.Last(static d => d.ServiceType == typeof(IUsageLogStore));
        services.Remove(registered);
        services.AddScoped<IUsageLogStore>(sp => new HeldUsageLogStore(
            registered.ImplementationFactory is { } factory ? (IUsageLogStore)factory(sp) : (IUsageLogStore)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
            gate,
            held));
    }

    public async Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default)
    {
        if (held is not null)
        {
            Interlocked.Add(ref held.Value, logs.Count);
        }

        await gate.ConfigureAwait(false);
        await inner.AppendAsync(logs, settlements, cancellationToken).ConfigureAwait(false);
    }

    public Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
}
