using System.Collections.Concurrent;
using LlmRelay.Changes;
using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>Two gateway instances on one PostgreSQL database tell each other about changes with LISTEN/NOTIFY (issue #18).</summary>
public sealed class PostgreSqlRelayChangeNotifierTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Publish_OnOneInstance_ReachesTheOtherInstance_AndNotItself()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var a = CreateSut(database.ConnectionString, TimeProvider.System);
        await using var b = CreateSut(database.ConnectionString, TimeProvider.System);
        var heardByA = new ConcurrentQueue<RelayChangeKinds>();
        var heardByB = new ConcurrentQueue<RelayChangeKinds>();
        using var subscriptionA = a.Subscribe(heardByA.Enqueue);
        using var subscriptionB = b.Subscribe(heardByB.Enqueue);
        await a.Listening.WaitAsync(Within, Ct);
        await b.Listening.WaitAsync(Within, Ct);

        a.Publish(RelayChangeKinds.Channels | RelayChangeKinds.Tokens);
        b.Publish(RelayChangeKinds.Options);

        await WaitUntilAsync(() => !heardByB.IsEmpty && !heardByA.IsEmpty);
        Assert.Equal([RelayChangeKinds.Channels | RelayChangeKinds.Tokens], heardByB);
        Assert.Equal([RelayChangeKinds.Options], heardByA);

        // Nothing else arrives: each instance dropped its own message.
        a.Publish(RelayChangeKinds.Users);
        await WaitUntilAsync(() => heardByB.Count >= 2);
        Assert.Equal([RelayChangeKinds.Options], heardByA);
    }

    [Fact]
    public async Task ListeningConnectionKilled_ReconnectsAfterTheBackoff_AndTellsSubscribersEverythingChanged()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var a = CreateSut(database.ConnectionString, TimeProvider.System);
        await using var b = CreateSut(database.ConnectionString, time);
        var heardByB = new ConcurrentQueue<RelayChangeKinds>();
        using var subscription = b.Subscribe(heardByB.Enqueue);
        await b.Listening.WaitAsync(Within, Ct);

        await TerminateListenersAsync(database.ConnectionString);

        // The reconnect waits for the backoff on B's clock: advance it until B listens again and resyncs.
        var deadline = DateTime.UtcNow + Within;
        while (!heardByB.Contains(RelayChangeKinds.All))
        {
            Assert.True(DateTime.UtcNow < deadline, "B did not reconnect.");
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20, Ct);
        }

        // And it hears the other instance again.
        a.Publish(RelayChangeKinds.Channels);
        await WaitUntilAsync(() => heardByB.Contains(RelayChangeKinds.Channels));
    }

    private static PostgreSqlRelayChangeNotifier CreateSut(string connectionString, TimeProvider time) =>
        new(connectionString, time, NullLogger<PostgreSqlRelayChangeNotifier>.Instance);

    private static async Task TerminateListenersAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        command.Parameters.Add(new NpgsqlParameter { Value = PostgreSqlRelayChangeNotifier.ListenerApplicationName });
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync(Ct))!);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The notification did not arrive.");
            await Task.Delay(20, Ct);
        }
    }
}
