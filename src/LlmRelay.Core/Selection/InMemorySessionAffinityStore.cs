using System.Collections.Concurrent;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Selection;

/// <summary>The default <see cref="ISessionAffinityStore"/>: entries in process memory, expiring after a time without use, at most a fixed number.</summary>
/// <remarks>
/// <para>
/// Every entry lives <see cref="SessionAffinityOptions.Ttl"/> from the last time a channel answered its session
/// (<see cref="SetAsync"/>; reading does not extend it). Entries wait in a queue in the order they were stored:
/// <code>
/// head ─► [oldest] [..] [..] [newest] ◄─ tail (each new or moved session)
///   a write first sweeps the head: drops expired and replaced entries, moves an entry used again since it was queued to
///   the tail (second chance); so the head is the least recently used one, and beyond MaxEntries it is evicted
/// </code>
/// Amortized O(1) per write, no background thread, no timer: time is read from the <see cref="TimeProvider"/>. A session
/// served again by the same channel and key (the common case) only moves its entry's expiry, without a lock or an
/// allocation; reads are lock-free and drop an expired entry they meet. Nothing survives a restart.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
internal sealed class InMemorySessionAffinityStore : ISessionAffinityStore
{
    private readonly ConcurrentDictionary<SessionAffinityKey, SessionAffinityEntry> _entries = new();
    private readonly Queue<SessionAffinityEntry> _order = new();
    private readonly Lock _writeLock = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _ttl;
    private readonly int _maxEntries;

    public InMemorySessionAffinityStore(IOptions<LlmRelayOptions> options, TimeProvider timeProvider)
        : this(options.Value.SessionAffinity.Ttl, options.Value.SessionAffinity.MaxEntries, timeProvider)
    {
    }

    internal InMemorySessionAffinityStore(TimeSpan ttl, int maxEntries, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _timeProvider = timeProvider;
        _ttl = (long)(ttl.Ticks * ((double)timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond));
        _maxEntries = maxEntries;
    }

    /// <summary>Gets the number of entries held, including expired ones not yet dropped.</summary>
    internal int Count => _entries.Count;

    /// <inheritdoc/>
    public ValueTask<SessionAffinityTarget?> GetAsync(SessionAffinityKey key, CancellationToken cancellationToken) => new(Find(key));

    /// <inheritdoc/>
    public ValueTask SetAsync(SessionAffinityKey key, SessionAffinityTarget target, CancellationToken cancellationToken)
    {
        Set(key, target);
        return ValueTask.CompletedTask;
    }

    internal SessionAffinityTarget? Find(SessionAffinityKey key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (_timeProvider.GetTimestamp() >= entry.ExpiresAt)
        {
            Remove(entry);
            return null;
        }

        return entry.Target;
    }

    internal void Set(SessionAffinityKey key, SessionAffinityTarget target)
    {
        var now = _timeProvider.GetTimestamp();
        if (_entries.TryGetValue(key, out var current) && current.Target == target && now < current.ExpiresAt)
        {
            current.Touch(now + _ttl);
            return;
        }

        var entry = new SessionAffinityEntry(key, target, now + _ttl);
        lock (_writeLock)
        {
            Sweep(now);

            // A replaced entry stays in the queue until it reaches the head, where the sweep drops it.
            _entries[key] = entry;
            _order.Enqueue(entry);
            while (_order.Count > _maxEntries)
            {
                Sweep(now);
                if (_order.Count <= _maxEntries || !_order.TryDequeue(out var oldest))
                {
                    break;
                }

                Remove(oldest);
            }
        }
    }

    // Under the write lock: drops expired and replaced entries at the head, and gives entries used again since they were
    // queued a second chance at the tail, until the head is a current entry not used since it was queued.
    private void Sweep(long now)
    {
        for (var budget = _order.Count; budget > 0 && _order.TryPeek(out var head); budget--)
        {
            if (head.ExpiresAt <= now || !IsCurrent(head))
            {
                _order.Dequeue();
                Remove(head);
            }
            else if (head.TryClearTouched())
            {
                _order.Dequeue();
                _order.Enqueue(head);
            }
            else
            {
                return;
            }
        }
    }

    private bool IsCurrent(SessionAffinityEntry entry) => _entries.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry);

    // Removes the entry only if it is still the one stored under its key.
    private void Remove(SessionAffinityEntry entry) => _entries.TryRemove(KeyValuePair.Create(entry.Key, entry));
}
