using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Scaling.Responses;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.Scaling;

/// <summary>Moves the state that sign-in and <c>/v1/responses</c> keep between requests into Redis (issue #18).</summary>
internal static class LlmRelayRedisSharedStateExtensions
{
    /// <summary>Keeps the response store, the sign-in attempt counters and <c>/api/verify</c> verifications in the registered Redis.</summary>
    /// <remarks>
    /// Replaces the in-memory defaults: <see cref="IResponseStorage"/> with <see cref="RedisResponseStorage"/>,
    /// <see cref="ILoginRateLimiter"/> with <see cref="RedisLoginRateLimiter"/>, <see cref="ISecureVerification"/> with
    /// <see cref="RedisSecureVerification"/>. Needs an <see cref="IConnectionMultiplexer"/> in the container.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <returns>The <paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddRedisSharedState(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IResponseStorage, RedisResponseStorage>());
        services.Replace(ServiceDescriptor.Singleton<ILoginRateLimiter>(static sp => new RedisLoginRateLimiter(sp.GetRequiredService<IConnectionMultiplexer>())));
        services.Replace(ServiceDescriptor.Singleton<ISecureVerification>(static sp =>
            new RedisSecureVerification(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<TimeProvider>())));
        return services;
    }
}
