using System.Threading.Channels;
using LlmRelay.Changes;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Tells the gateway instances on one PostgreSQL database about changes with <c>LISTEN</c>/<c>NOTIFY</c> (issue #18).</summary>
/// <remarks>
/// <para>
/// Listening starts with the first subscription, on a dedicated unpooled connection that waits for notifications. When that
/// connection breaks, it is opened again after a backoff (0.5 s doubling to 30 s, timed by <see cref="TimeProvider"/>), and the
/// subscribers are told <see cref="RelayChangeKinds.All"/>, because notifications sent meanwhile were lost.
/// </para>
/// <para>Publishing queues the message; one loop sends <c>pg_notify</c> on pooled connections. Thread-safe.</para>
/// </remarks>
internal sealed partial class PostgreSqlRelayChangeNotifier : RelayChangeNotifier, IAsyncDisposable
{
    /// <summary>The PostgreSQL notification channel.</summary>
    public const string ChannelName = "llmrelay_changes";

    /// <summary>The application name of the listening connection (<c>pg_stat_activity.application_name</c>).</summary>
    public const string ListenerApplicationName = "llmrelay-change-listener";

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _listenConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _sending;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _listen;
    private int _disposed;

    public PostgreSqlRelayChangeNotifier(string connectionString, TimeProvider time, ILogger<PostgreSqlRelayChangeNotifier> logger)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _listenConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 15, ApplicationName = ListenerApplicationName }.ConnectionString;
        _time = time;
        _logger = logger;
        _sending = Task.Run(SendLoopAsync);
    }

    /// <summary>Completes once the first <c>LISTEN</c> succeeded (tests wait for it before changing anything).</summary>
    internal Task Listening => _listening.Task;

    /// <summary>Starts listening if no one listens yet.</summary>
    public void EnsureListening()
    {
        if (Volatile.Read(ref _listen) is null)
        {
            var started = new Task<Task>(ListenLoopAsync);
            if (Interlocked.CompareExchange(ref _listen, started.Unwrap(), null) is null)
            {
                started.Start(TaskScheduler.Default);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose the one instance twice: it is registered as itself and as IRelayChangeNotifier.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sending.ConfigureAwait(false);
            if (_listen is { } listen)
            {
                await listen.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    protected override void Send(string message)
    {
        EnsureListening();
        _outbox.Writer.TryWrite(message);
    }

    /// <summary>Subscribing starts the listening connection.</summary>
    protected override void OnSubscribed() => EnsureListening();

    private async Task SendLoopAsync()
    {
        var reader = _outbox.Reader;
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                try
                {
                    var command = _dataSource.CreateCommand("SELECT pg_notify($1, $2)");
                    await using (command.ConfigureAwait(false))
                    {
                        command.Parameters.Add(new NpgsqlParameter { Value = ChannelName });
                        command.Parameters.Add(new NpgsqlParameter { Value = message });
                        await command.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    // The other instances miss this change until their next reload; their listeners resync on reconnect.
                    LogPublishFailed(_logger, ex);
                }
            }
        }
    }

    private async Task ListenLoopAsync()
    {
        var backoff = FirstBackoff;
        var reconnecting = false;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var connection = new NpgsqlConnection(_listenConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, e) => OnReceived(e.Payload);
                    await connection.OpenAsync(_stopping.Token).ConfigureAwait(false);
                    var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection);
                    await using (listen.ConfigureAwait(false))
                    {
                        await listen.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                    }

                    _listening.TrySetResult();
                    backoff = FirstBackoff;
                    if (reconnecting)
                    {
                        LogReconnected(_logger);
                        Notify(RelayChangeKinds.All);
                    }

                    while (true)
                    {
                        await connection.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                LogListenFailed(_logger, ex, backoff);
                reconnecting = true;
                try
                {
                    await Task.Delay(backoff, _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not tell the other gateway instances about a change (PostgreSQL NOTIFY failed).")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Listening for changes from the other gateway instances (PostgreSQL LISTEN) failed; trying again in {Backoff}.")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, TimeSpan backoff);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Listening for changes from the other gateway instances again; reloading every cache.")]
    private static partial void LogReconnected(ILogger logger);
}
