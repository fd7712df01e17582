using LlmRelay.Changes;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.Scaling;

/// <summary>Tells the gateway instances that share a Redis server about changes with pub/sub (issue #18).</summary>
/// <remarks>
/// Subscribes on the first subscription. StackExchange.Redis reconnects and subscribes again by itself; when a connection
/// comes back, the subscribers are told <see cref="RelayChangeKinds.All"/>, because messages sent meanwhile were lost.
/// Publishing is fire-and-forget. Thread-safe.
/// </remarks>
internal sealed partial class RedisRelayChangeNotifier : RelayChangeNotifier
{
    /// <summary>The Redis pub/sub channel.</summary>
    public static readonly RedisChannel Channel = RedisChannel.Literal("llmrelay:changes");

    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger _logger;
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private int _subscribed;
    private int _listening;

    public RedisRelayChangeNotifier(IConnectionMultiplexer redis, ILogger<RedisRelayChangeNotifier> logger)
    {
        _redis = redis;
        _logger = logger;
        _onMessage = (_, message) => OnReceived(message);
    }

    protected override void OnSubscribed()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 0)
        {
            _redis.ConnectionRestored += OnConnectionRestored;

            // Not awaited, never blocking the host's start: with Redis down the SUBSCRIBE fails, and the instance still starts
            // (issue #18); it subscribes again when the connection comes up, then reloads everything it may have missed.
            _ = ListenAsync(resync: false);
        }
    }

    private async Task ListenAsync(bool resync)
    {
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(Channel, _onMessage).ConfigureAwait(false);
            Volatile.Write(ref _listening, 1);
            if (resync)
            {
                LogReconnected(_logger);
                Notify(RelayChangeKinds.All);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogSubscribeFailed(_logger, ex);
        }
    }

    protected override void Send(string message)
    {
        try
        {
            _redis.GetSubscriber().Publish(Channel, message, CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            LogPublishFailed(_logger, ex);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _listening) == 0)
        {
            _ = ListenAsync(resync: true);
            return;
        }

        if (e.ConnectionType == ConnectionType.Subscription)
        {
            LogReconnected(_logger);
            Notify(RelayChangeKinds.All);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not tell the other gateway instances about a change (Redis PUBLISH failed).")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Could not listen for changes from the other gateway instances (Redis SUBSCRIBE failed); trying again when Redis is reachable. Until then this instance sees other instances' changes only after a restart.")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Listening for changes from the other gateway instances (Redis) again; reloading every cache.")]
    private static partial void LogReconnected(ILogger logger);
}
