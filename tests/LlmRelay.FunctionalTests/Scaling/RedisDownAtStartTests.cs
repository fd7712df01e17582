using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LlmRelay.AspNetCore.Scaling;
using LlmRelay.Changes;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>
/// An instance that starts while its Redis is down (issue #18): it starts at all (the change subscription used to throw
/// and stop the host), and once Redis is up it hears the other instances' changes.
/// </summary>
public sealed class RedisDownAtStartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChangeNotifier_StartedWhileRedisIsDown_DoesNotThrow_AndListensOnceRedisIsUp()
    {
        if (!File.Exists("/usr/bin/redis-server"))
        {
            Assert.Skip("Needs redis-server (Debian's redis-server package) to start a Redis of its own.");
        }

        var port = FreePort();
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port},connectTimeout=500,connectRetry=1,syncTimeout=500");
        options.AbortOnConnectFail = false;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        await using var downAtStart = await ConnectionMultiplexer.ConnectAsync(options);
        var notifier = new RedisRelayChangeNotifier(downAtStart, NullLogger<RedisRelayChangeNotifier>.Instance);
        var heard = new TaskCompletionSource<RelayChangeKinds>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The host subscribes at start: with Redis down this must not throw.
        using var subscription = notifier.Subscribe(changes =>
        {
            if (changes.HasFlag(RelayChangeKinds.Channels))
            {
                heard.TrySetResult(changes);
            }
        });

        using var redis = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            await using var other = await ConnectWhenUpAsync(port);
            var publisher = new RedisRelayChangeNotifier(other, NullLogger<RedisRelayChangeNotifier>.Instance);

            // Another instance publishes a channel change until this one hears it (it resubscribes once Redis is reachable).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!heard.Task.IsCompleted)
            {
                Assert.True(DateTime.UtcNow < deadline, "The notifier that started while Redis was down never heard a change.");
                publisher.Publish(RelayChangeKinds.Channels);
                await Task.WhenAny(heard.Task, Task.Delay(200, Ct));
            }

            Assert.True((await heard.Task).HasFlag(RelayChangeKinds.Channels));
        }
        finally
        {
            redis.Kill();
            await redis.WaitForExitAsync(Ct);
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectWhenUpAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=500");
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, Ct);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
