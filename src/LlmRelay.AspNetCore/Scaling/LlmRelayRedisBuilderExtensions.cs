using LlmRelay.AspNetCore.Scaling;
using LlmRelay.Changes;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Redis to a gateway that runs as several instances (issue #18).</summary>
public static class LlmRelayRedisBuilderExtensions
{
    /// <summary>The configuration keys that hold the Redis connection string, in the order they are read.</summary>
    private static readonly string[] ConnectionStringKeys = ["ConnectionStrings:Redis", "LlmRelay:Redis"];

    /// <summary>The Redis key that holds the Data Protection key ring when <c>LlmRelay:DataProtection:Keys</c> is <c>Redis</c>.</summary>
    private const string KeyRingKey = "llmrelay:data-protection-keys";

    /// <summary>Uses the Redis server that configuration names, if any, to keep the gateway instances in step.</summary>
    /// <remarks>
    /// <para>
    /// The connection string (StackExchange.Redis syntax, such as <c>redis:6379,password=...</c>) is read from
    /// <c>ConnectionStrings:Redis</c>, else <c>LlmRelay:Redis</c>; when neither is set this method does nothing, so one
    /// <c>Program.cs</c> serves a single instance and a scaled-out one.
    /// </para>
    /// <para>
    /// With Redis, management changes (channels, tokens, users, options) reach the other instances' caches by pub/sub instead
    /// of PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c>; and when <c>LlmRelay:DataProtection:Keys</c> is <c>Redis</c>, the ASP.NET Core
    /// Data Protection key ring (which encrypts channel keys and signs session cookies) is kept under the Redis key
    /// <c>llmrelay:data-protection-keys</c>. Call it after <c>AddEntityFrameworkStores</c>. The rate-limit counters (<c>LlmRelay:RateLimits</c>)
    /// live in Redis too (as <c>AddRedisRateLimits()</c> does), so limits hold across instances, and so do the concurrency
    /// slots and wait queue (<c>LlmRelay:Concurrency</c>, as <c>AddRedisConcurrency()</c> does), the <c>/v1/responses</c> store,
    /// the sign-in attempt counters and the <c>/api/verify</c> state (docs/deployment.md, scale-out).
    /// </para>
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <param name="configuration">The application's configuration root.</param>
    /// <returns>The <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddRedis(this ILlmRelayBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = ConnectionStringKeys.Select(key => configuration[key]).FirstOrDefault(static v => !string.IsNullOrWhiteSpace(v));
        if (connectionString is null)
        {
            return builder;
        }

        var services = builder.Services;
        services.TryAddSingleton<IConnectionMultiplexer>(_ =>
        {
            var options = ConfigurationOptions.Parse(connectionString);

            // Start even while Redis is down; StackExchange.Redis keeps trying, and the notifier resyncs when it is back.
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        });
        services.TryAddSingleton<RedisRelayChangeNotifier>();
        services.Replace(ServiceDescriptor.Singleton<IRelayChangeNotifier>(static sp => sp.GetRequiredService<RedisRelayChangeNotifier>()));
        builder.AddRedisRateLimits();
        builder.AddRedisConcurrency();
        services.AddRedisSharedState(); // the response store, sign-in attempt counters and /api/verify state (issue #18)

        if (string.Equals(configuration["LlmRelay:DataProtection:Keys"]?.Trim(), "Redis", StringComparison.OrdinalIgnoreCase))
        {
            services.AddDataProtection();
            services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>(static (options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingKey));
        }

        return builder;
    }
}
