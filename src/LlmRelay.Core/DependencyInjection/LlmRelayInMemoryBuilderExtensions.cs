using LlmRelay.Storage;
using LlmRelay.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LlmRelay's in-memory stores, for a relay without a database, tests and in-process use.</summary>
public static class LlmRelayInMemoryBuilderExtensions
{
    /// <summary>Keeps LlmRelay's channels, tokens and usage logs in process memory instead of a database.</summary>
    /// <remarks>
    /// <para>
    /// Registers <see cref="IChannelStore"/>, <see cref="ITokenStore"/>, <see cref="IUsageLogStore"/> and
    /// <see cref="IRelayDatabase"/>. Channels and tokens usually come from configuration (<c>LlmRelay:Channels</c>,
    /// <c>LlmRelay:Tokens</c>), which is synced into the stores at every start; nothing is kept across restarts,
    /// so a token's spent quota starts again from its declared <c>RemainQuota</c>. Only the newest 10,000
    /// usage-log rows are kept.
    /// </para>
    /// <para>
    /// Services are added with <c>TryAdd</c>: a store registered before this call (for example by
    /// <c>AddEntityFrameworkStores</c>) is kept, and stores registered after it do not replace these.
    /// The management stores (users, options, redemption codes) have no in-memory implementation.
    /// </para>
    /// <para>The stores are singletons and thread-safe.</para>
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <returns>The <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddInMemoryStores(this ILlmRelayBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton<InMemoryRelayState>();
        services.TryAddSingleton<IChannelStore, InMemoryChannelStore>();
        services.TryAddSingleton<ITokenStore, InMemoryTokenStore>();
        services.TryAddSingleton<IUsageLogStore, InMemoryUsageLogStore>();
        services.TryAddSingleton<IRelayDatabase, InMemoryRelayDatabase>();
        return builder;
    }
}
