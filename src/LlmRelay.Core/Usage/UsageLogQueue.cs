using System.Threading.Channels;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Usage;

/// <summary>A bounded in-memory queue of usage-log rows, drained in batches by <see cref="UsageLogWriter"/>.</summary>
/// <remarks>
/// <para>
/// Enqueueing never blocks or fails a request. In <see cref="UsageLogQueueFullMode.Wait"/> (the default) every row is
/// queued; the relay holds new calls back at admission (<see cref="WaitForRoomAsync"/>) while
/// <see cref="LlmRelayOptions.UsageLogQueueCapacity"/> rows wait, so memory is bounded by the capacity plus the calls in
/// flight and no served call loses its row. In <see cref="UsageLogQueueFullMode.Drop"/>, and in either mode once the queue is
/// closed, a row that finds the queue full is dropped and counted in <see cref="Dropped"/>, but its quota settlement is kept: it is added to a
/// <see cref="QuotaSettlement"/> per token and user (so memory is bounded by the number of tokens, not of requests), which
/// the writer stores with its next batch. A doorbell item (at most one in the channel at a time) wakes the writer for it.
/// </para>
/// <para>Thread-safe; one reader (the writer).</para>
/// </remarks>
internal sealed class UsageLogQueue
{
    // Queued after a drop so that the writer wakes up and stores the pending settlements; never handed out.
    private static readonly UsageLog Doorbell = new();

    private readonly Channel<UsageLog> _channel = Channel.CreateUnbounded<UsageLog>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _capacity;
    private readonly bool _dropWhenFull;
    private readonly TimeSpan _wait;
    private TaskCompletionSource? _room;
    private int _waiting;
    private volatile bool _closed;
    private readonly Lock _pendingGate = new();

    // Rows whose calls wait until they are stored (LlmRelay:Quota:HoldAnswerUntilLogged); empty, and never looked at, otherwise.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<UsageLog, TaskCompletionSource> _waiters = new(ReferenceEqualityComparer.Instance);
    private Dictionary<(long TokenId, long UserId), QuotaSettlement> _pending = [];
    private int _count;
    private int _doorbellQueued;
    private long _dropped;

    public UsageLogQueue(IOptions<LlmRelayOptions> options)
    {
        _capacity = Math.Max(1, options.Value.UsageLogQueueCapacity);
        _dropWhenFull = options.Value.UsageLogQueueFullMode == UsageLogQueueFullMode.Drop;
        _wait = options.Value.UsageLogQueueWait;
    }

    /// <summary>Gets how many calls wait for room in the queue right now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Gets how many rows were dropped because the queue was full (or closed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many rows wait to be written.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets how many token/user pairs have a settlement of dropped rows waiting to be stored.</summary>
    public int PendingSettlements
    {
        get
        {
            lock (_pendingGate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Queues a row; when it cannot (the queue is closed, or full in <see cref="UsageLogQueueFullMode.Drop"/>), drops it and keeps only its quota settlement.</summary>
    public void Enqueue(UsageLog log)
    {
        if ((Interlocked.Increment(ref _count) <= _capacity || !_dropWhenFull) && _channel.Writer.TryWrite(log))
        {
            return;
        }

        Interlocked.Decrement(ref _count);
        Interlocked.Increment(ref _dropped);
        if (!_waiters.IsEmpty && _waiters.TryRemove(log, out var waiting))
        {
            waiting.TrySetResult(); // Dropped: the row will not be stored, and only its settlement is kept.
        }

        var settlement = QuotaSettlement.Of(log);
        if (settlement.IsEmpty || (settlement.TokenId == 0 && settlement.UserId == 0))
        {
            return;
        }

        lock (_pendingGate)
        {
            var key = (settlement.TokenId, settlement.UserId);
            _pending[key] = _pending.TryGetValue(key, out var sum) ? sum.Add(settlement) : settlement;
        }

        // Ring after adding: the writer clears the flag before it takes the pending settlements, so none is left behind.
        if (Interlocked.Exchange(ref _doorbellQueued, 1) == 0 && !_channel.Writer.TryWrite(Doorbell))
        {
            Volatile.Write(ref _doorbellQueued, 0); // Closed: the writer's final flush takes the settlement.
        }
    }

    /// <summary>
    /// Waits, before a new call is admitted, until fewer than the capacity's rows wait (at once when they do, or in
    /// <see cref="UsageLogQueueFullMode.Drop"/>); <see langword="false"/> when <see cref="LlmRelayOptions.UsageLogQueueWait"/>
    /// passed first, measured on <paramref name="time"/>.
    /// </summary>
    public ValueTask<bool> WaitForRoomAsync(TimeProvider time, CancellationToken cancellationToken) =>
        _dropWhenFull || Volatile.Read(ref _count) < _capacity ? new(true) : WaitForRoomSlowAsync(time, cancellationToken);

    private async ValueTask<bool> WaitForRoomSlowAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            using var timeout = new CancellationTokenSource(_wait, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            while (Volatile.Read(ref _count) >= _capacity && !_closed)
            {
                var room = Volatile.Read(ref _room);
                if (room is null)
                {
                    var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    room = Interlocked.CompareExchange(ref _room, fresh, null) ?? fresh;
                }

                // Published before this second look: a reader that frees room after it sees the signal and sets it.
                if (Volatile.Read(ref _count) < _capacity || _closed)
                {
                    break;
                }

                try
                {
                    await room.Task.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private void SignalRoom()
    {
        if (Volatile.Read(ref _room) is { } room && Interlocked.CompareExchange(ref _room, null, room) == room)
        {
            room.TrySetResult();
        }
    }

    /// <summary>Gets a value indicating whether a call waits for one of the queued rows to be stored (the writer then skips its batch window).</summary>
    public bool HasWaiters => !_waiters.IsEmpty;

    /// <summary>Queues a row like <see cref="Enqueue"/> and returns a task that completes once the writer has stored it.</summary>
    /// <param name="log">The row.</param>
    /// <returns>
    /// A task that completes when the row's transaction committed, or at once when the row was dropped (a full or closed queue:
    /// only its settlement is kept), or when the writer gave up on it (<see cref="Stored"/> is called for every row it takes).
    /// </returns>
    public Task EnqueueAndWaitAsync(UsageLog log)
    {
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[log] = stored;
        Enqueue(log);
        return stored.Task;
    }

    /// <summary>Completes the waits of <paramref name="rows"/>: the writer is done with them (stored, or given up on).</summary>
    /// <param name="rows">The rows the writer took.</param>
    public void Stored(IReadOnlyList<UsageLog> rows)
    {
        if (_waiters.IsEmpty)
        {
            return;
        }

        foreach (var row in rows)
        {
            if (_waiters.TryRemove(row, out var stored))
            {
                stored.TrySetResult();
            }
        }
    }

    /// <summary>Waits until a row (or a pending settlement) can be read; <see langword="false"/> once the queue is closed and empty.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next row, if any.</summary>
    public bool TryRead(out UsageLog log)
    {
        while (_channel.Reader.TryRead(out log!))
        {
            if (ReferenceEquals(log, Doorbell))
            {
                Volatile.Write(ref _doorbellQueued, 0);
                continue;
            }

            if (Interlocked.Decrement(ref _count) < _capacity)
            {
                SignalRoom();
            }

            return true;
        }

        return false;
    }

    /// <summary>Removes and returns the settlements of dropped rows, to be stored by the caller exactly once.</summary>
    public IReadOnlyCollection<QuotaSettlement> TakePendingSettlements()
    {
        lock (_pendingGate)
        {
            if (_pending.Count == 0)
            {
                return [];
            }

            var taken = _pending;
            _pending = [];
            return taken.Values;
        }
    }

    /// <summary>Closes the queue: later rows are dropped (their settlements kept for the writer's final flush).</summary>
    public void Complete()
    {
        _closed = true;
        _channel.Writer.TryComplete();
        SignalRoom(); // Calls waiting for room go on; their rows take the closed queue's path.
    }
}
