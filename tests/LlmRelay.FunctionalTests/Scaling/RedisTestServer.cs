using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>The Redis server the scale-out tests share (<c>LLMRELAY_TEST_REDIS</c>); the tests skip without one, except in CI.</summary>
internal static class RedisTestServer
{
    /// <summary>Returns the connection string, or skips the test when none is configured.</summary>
    public static string ConnectionStringOrSkip()
    {
        var configuration = Environment.GetEnvironmentVariable("LLMRELAY_TEST_REDIS");
        if (string.IsNullOrWhiteSpace(configuration))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must provide LLMRELAY_TEST_REDIS.");
            Assert.Skip("Redis tests need LLMRELAY_TEST_REDIS (export LLMRELAY_TEST_REDIS=\"$(bash eng/start-redis.sh | tail -n 1)\").");
        }

        return configuration;
    }

    /// <summary>Connects to the server, or skips the test when none is configured.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(ConnectionStringOrSkip() + ",allowAdmin=true");

    /// <summary>Deletes every key that starts with <paramref name="prefix"/>.</summary>
    public static async Task DeleteKeysAsync(IConnectionMultiplexer redis, string prefix)
    {
        foreach (var server in redis.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }
}
