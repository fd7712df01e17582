using LlmRelay.Concurrency;

namespace LlmRelay.Core.Tests.Concurrency;

/// <summary>An <see cref="IConcurrencySlotStore"/> in memory for tests: holders per scope and a queue, without lease expiry.</summary>
internal sealed class CountingSlotStore : IConcurrencySlotStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _scopes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _queue = new(StringComparer.Ordinal);
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan LeaseDuration => TimeSpan.FromSeconds(30);

    public bool Fail { get; set; }

    public int Calls { get; private set; }

    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public int Held(string scope)
    {
        lock (_lock)
        {
            return _scopes.TryGetValue(scope, out var holders) ? holders.Count : 0;
        }
    }

    public ValueTask<ConcurrencySlotOutcome> TryAcquireAsync(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder, DateTimeOffset now, int queueLimit, DateTimeOffset queueDeadline, bool waiting, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new InvalidOperationException("The store is down.");
        }

        lock (_lock)
        {
            Calls++;
            foreach (var scope in scopes.Span)
            {
                if (_scopes.TryGetValue(scope.Name, out var holders) && holders.Count >= scope.Limit)
                {
                    if (waiting)
                    {
                        return new(ConcurrencySlotOutcome.Queued);
                    }

                    return new(_queue.Count >= queueLimit ? ConcurrencySlotOutcome.QueueFull : Enqueue(holder));
                }
            }

            foreach (var scope in scopes.Span)
            {
                if (!_scopes.TryGetValue(scope.Name, out var holders))
                {
                    _scopes[scope.Name] = holders = new HashSet<string>(StringComparer.Ordinal);
                }

                holders.Add(holder);
            }

            _queue.Remove(holder);
            return new(ConcurrencySlotOutcome.Acquired);
        }
    }

    public void Renew(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder, DateTimeOffset now)
    {
    }

    public void Release(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder) => Remove(scopes.Span, holder);

    public void Abandon(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder)
    {
        lock (_lock)
        {
            _queue.Remove(holder);
        }

        Remove(scopes.Span, holder);
    }

    public Task WaitForReleaseAsync()
    {
        lock (_lock)
        {
            return _released.Task;
        }
    }

    private ConcurrencySlotOutcome Enqueue(string holder)
    {
        _queue.Add(holder);
        return ConcurrencySlotOutcome.Queued;
    }

    private void Remove(ReadOnlySpan<ConcurrencySlotScope> scopes, string holder)
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            foreach (var scope in scopes)
            {
                if (_scopes.TryGetValue(scope.Name, out var holders))
                {
                    holders.Remove(holder);
                }
            }

            released = _released;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        released.TrySetResult();
    }
}
