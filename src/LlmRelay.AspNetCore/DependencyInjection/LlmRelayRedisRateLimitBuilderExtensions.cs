using LlmRelay.AspNetCore.RateLimiting;
using LlmRelay.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps LlmRelay's rate-limit counters in Redis, so that limits hold across gateway instances.</summary>
public static class LlmRelayRedisRateLimitBuilderExtensions
{
    /// <summary>Keeps the rate-limit counters in Redis, through the <see cref="IConnectionMultiplexer"/> registered in the container.</summary>
    /// <param name="builder">The builder <c>AddLlmRelay()</c> returned.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>Without this call the counters live in process memory, and each instance enforces the limits alone.</remarks>
    public static ILlmRelayBuilder AddRedisRateLimits(this ILlmRelayBuilder builder) =>
        builder.AddRedisRateLimits(static sp => sp.GetRequiredService<IConnectionMultiplexer>());

    /// <summary>Keeps the rate-limit counters in Redis, through the connection <paramref name="connection"/> returns.</summary>
    /// <param name="builder">The builder <c>AddLlmRelay()</c> returned.</param>
    /// <param name="connection">Returns the shared Redis connection; called once.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connection"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddRedisRateLimits(this ILlmRelayBuilder builder, Func<IServiceProvider, IConnectionMultiplexer> connection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connection);
        builder.Services.Replace(ServiceDescriptor.Singleton<IRateLimitStore>(sp => new RedisRateLimitStore(connection(sp))));
        return builder;
    }
}
