using System.Threading.Channels;
using LlmRelay.Storage;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Makes quota reservations: on SQLite in groups, one write transaction for all that are waiting; on PostgreSQL one statement each.</summary>
/// <remarks>
/// <para>
/// SQLite has one writer at a time. One transaction per reservation made every reservation wait for the write lock
/// behind the others and the usage-log writer (SQLite's busy handler sleeps while it waits), and paid a transaction
/// each: the load harness measured a limited key at a quarter of the throughput of an unlimited one. Here one loop takes
/// every reservation waiting, makes them in order in one transaction (<see cref="QuotaReserver.ReserveSqliteAsync"/>),
/// and completes them together: a group commit. Each reservation is still both-or-neither and checked against the
/// balances the earlier ones left, so balances never go below zero.
/// </para>
/// <para>
/// A caller's cancellation is not passed on: a reservation in a group is made or refused with the group. The caller
/// waits for that outcome, so a reservation that was made is always settled by the caller's usage-log row.
/// </para>
/// <para>PostgreSQL takes row locks and serves concurrent writers itself: each reservation is one round trip there.</para>
/// </remarks>
internal sealed class QuotaReservationQueue : IAsyncDisposable, IDisposable
{
    /// <summary>The most reservations one SQLite transaction makes.</summary>
    private const int MaxGroup = 256;

    private readonly IDbContextFactory<LlmRelayDbContext> _contexts;
    private readonly QuotaReservationLedger _ledger;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _loop;

    /// <summary>Initializes a new instance of the <see cref="QuotaReservationQueue"/> class.</summary>
    /// <param name="contexts">Creates the contexts the SQLite groups run on.</param>
    /// <param name="ledger">This instance's id, which every reservation is recorded under.</param>
    public QuotaReservationQueue(IDbContextFactory<LlmRelayDbContext> contexts, QuotaReservationLedger ledger)
    {
        _contexts = contexts;
        _ledger = ledger;
        _loop = new Lazy<Task>(() => Task.Run(RunAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Takes <paramref name="amount"/> from the token and its user, or from neither (see <see cref="ITokenStore.TryReserveQuotaAsync"/>).</summary>
    /// <param name="db">The caller's context; used directly on PostgreSQL.</param>
    /// <param name="tokenId">The token.</param>
    /// <param name="amount">The quota to take.</param>
    /// <param name="cancellationToken">A token to cancel the operation; on SQLite only a reservation not yet queued is canceled.</param>
    /// <returns>The outcome.</returns>
    public Task<QuotaReservation> ReserveAsync(LlmRelayDbContext db, long tokenId, long amount, CancellationToken cancellationToken)
    {
        var registered = _ledger.EnsureRegisteredAsync();
        if (!registered.IsCompletedSuccessfully)
        {
            // The first reservation of this process: its instance row must exist before any record names it.
            return ReserveAfterRegistrationAsync(registered, db, tokenId, amount, cancellationToken);
        }

        if (!db.Database.IsSqlite())
        {
            // Not the caller's token: a statement canceled after the server committed it would leave a reservation no row settles.
            cancellationToken.ThrowIfCancellationRequested();
            return QuotaReserver.For(db).ReservePostgreSqlAsync(db, tokenId, amount, _ledger.InstanceId, CancellationToken.None);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var request = new Request(tokenId, amount);
        _ = _loop.Value;
        ObjectDisposedException.ThrowIf(!_requests.Writer.TryWrite(request), this);

        return request.Task;
    }

    private async Task<QuotaReservation> ReserveAfterRegistrationAsync(ValueTask registered, LlmRelayDbContext db, long tokenId, long amount, CancellationToken cancellationToken)
    {
        await registered.ConfigureAwait(false);
        return await ReserveAsync(db, tokenId, amount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking reservations; the ones queued are still made.</summary>
    public void Dispose() => _requests.Writer.TryComplete();

    /// <summary>Stops taking reservations and waits for the ones queued.</summary>
    /// <returns>A task that completes when the loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        if (_loop.IsValueCreated)
        {
            await _loop.Value.ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        var group = new List<Request>(MaxGroup);
        var amounts = new List<(long TokenId, long Amount)>(MaxGroup);
        var results = new QuotaReservation[MaxGroup];
        while (await _requests.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (group.Count < MaxGroup && _requests.Reader.TryRead(out var request))
            {
                group.Add(request);
                amounts.Add((request.TokenId, request.Amount));
            }

            try
            {
                var db = await _contexts.CreateDbContextAsync().ConfigureAwait(false);
                await using (db.ConfigureAwait(false))
                {
                    await QuotaReserver.For(db).ReserveSqliteAsync(db, amounts, results, _ledger.InstanceId).ConfigureAwait(false);
                }

                for (var i = 0; i < group.Count; i++)
                {
                    group[i].TrySetResult(results[i]);
                }
            }
            catch (Exception exception)
            {
                // The transaction rolled back: none of the group's reservations was made.
                foreach (var request in group)
                {
                    request.TrySetException(exception);
                }
            }

            group.Clear();
            amounts.Clear();
        }
    }

    /// <summary>One waiting reservation; completes with its outcome.</summary>
    private sealed class Request(long tokenId, long amount) : TaskCompletionSource<QuotaReservation>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long TokenId { get; } = tokenId;

        public long Amount { get; } = amount;
    }
}
