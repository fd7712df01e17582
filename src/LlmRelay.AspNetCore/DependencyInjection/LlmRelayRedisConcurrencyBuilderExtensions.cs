using LlmRelay.AspNetCore.Concurrency;
using LlmRelay.Concurrency;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Counts LlmRelay's concurrency slots and wait queue in Redis, so that <c>LlmRelay:Concurrency</c> limits hold across gateway instances.</summary>
public static class LlmRelayRedisConcurrencyBuilderExtensions
{
    /// <summary>Counts concurrency slots and the wait queue in Redis, through the <see cref="IConnectionMultiplexer"/> registered in the container.</summary>
    /// <param name="builder">The builder <c>AddLlmRelay()</c> returned.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Without this call the slots are counted in process memory, and each instance enforces the limits alone. <c>AddRedis</c> calls it.</remarks>
    public static ILlmRelayBuilder AddRedisConcurrency(this ILlmRelayBuilder builder) =>
        builder.AddRedisConcurrency(static sp => sp.GetRequiredService<IConnectionMultiplexer>());

    /// <summary>Counts concurrency slots and the wait queue in Redis, through the connection <paramref name="connection"/> returns.</summary>
    /// <param name="builder">The builder <c>AddLlmRelay()</c> returned.</param>
    /// <param name="connection">Returns the shared Redis connection; called once.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connection"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddRedisConcurrency(this ILlmRelayBuilder builder, Func<IServiceProvider, IConnectionMultiplexer> connection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connection);
        builder.Services.Replace(ServiceDescriptor.Singleton<IConcurrencySlotStore>(sp => new RedisConcurrencySlotStore(connection(sp))));
        return builder;
    }
}
