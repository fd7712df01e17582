using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>A test's own key prefix on the shared Redis (<see cref="RedisTestServer"/>), whose keys it deletes when done.</summary>
public abstract class RedisScratch : IAsyncDisposable
{
    /// <summary>Gets the prefix of the test's keys; its hash tag keeps them in one cluster slot.</summary>
    protected string Prefix { get; } = $"{{llmrelay-test-{Guid.NewGuid():N}}}:";

    /// <summary>Gets the connection, once <see cref="ConnectAsync"/> made it.</summary>
    protected ConnectionMultiplexer? Redis { get; private set; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (Redis is not null)
        {
            await RedisTestServer.DeleteKeysAsync(Redis, Prefix);
            await Redis.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Connects once, or skips the test without a Redis server.</summary>
    protected async Task<ConnectionMultiplexer> ConnectAsync() => Redis ??= await RedisTestServer.ConnectAsync();
}
