using System.Collections.Concurrent;
using System.Text;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Responses;

/// <summary>Keeps finished <c>/v1/responses</c> bodies in memory for <c>GET /v1/responses/{id}</c>, and the conversation turns they answered for <c>previous_response_id</c>, readable only by the token that created them.</summary>
/// <remarks>
/// <para>
/// Entries live for <see cref="LlmRelayOptions.ResponseStoreTtl"/>; at most <see cref="DefaultMaxEntries"/> are kept,
/// and storing one more evicts the oldest. Every entry has the same time to live, so insertion order is expiry order:
/// each write first drops the expired entries at the head of that order (amortized O(1), no background thread), and
/// reads drop an expired entry they meet. Nothing survives a restart.
/// </para>
/// <para>
/// Entries are keyed by token and id: a response id another token produced (or names) is a different entry, so one key can
/// neither read nor replace another's (issue #16). A <see cref="ResponseTurn"/> refers to the turns before it, so a kept turn
/// holds its whole conversation even when the entries of earlier turns were evicted.
/// </para>
/// <para>Thread-safe. Reads are lock-free; writes take one lock. Bodies are kept as given, not copied: do not change them after storing.</para>
/// </remarks>
public sealed class ResponseStore
{
    /// <summary>The most entries kept; storing one more evicts the oldest.</summary>
    internal const int DefaultMaxEntries = 10_000;

    private readonly ConcurrentDictionary<(long TokenId, string Id), StoredResponse> _entries = new();
    private readonly Queue<StoredResponse> _order = new();
    private readonly Lock _writeLock = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _ttl;
    private readonly int _maxEntries;

    internal ResponseStore(IOptions<LlmRelayOptions> options, TimeProvider timeProvider)
        : this(options.Value.ResponseStoreTtl, DefaultMaxEntries, timeProvider)
    {
    }

    internal ResponseStore(TimeSpan ttl, int maxEntries, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _timeProvider = timeProvider;
        _ttl = (long)(ttl.Ticks * ((double)timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond));
        _maxEntries = maxEntries;
    }

    /// <summary>Gets the number of entries held, including expired ones not yet dropped.</summary>
    internal int Count => _entries.Count;

    /// <summary>Stores a finished response body under its id, replacing any entry with that id.</summary>
    /// <param name="id">The response id (<c>resp_…</c>).</param>
    /// <param name="tokenId">The id of the token that created the response; only it can read the entry.</param>
    /// <param name="body">The response object as UTF-8 JSON; kept without copying.</param>
    public void Store(string id, long tokenId, ReadOnlyMemory<byte> body) => Store(id, tokenId, body, null);

    /// <summary>Stores a finished response body and the conversation turn it answered under its id, replacing any entry of the token with that id.</summary>
    /// <param name="id">The response id (<c>resp_…</c>).</param>
    /// <param name="tokenId">The id of the token that created the response; only it can read the entry or continue the turn.</param>
    /// <param name="body">The response object as UTF-8 JSON; kept without copying.</param>
    /// <param name="turn">The turn, for a later call naming <paramref name="id"/> as its <c>previous_response_id</c>; or <see langword="null"/>.</param>
    public void Store(string id, long tokenId, ReadOnlyMemory<byte> body, ResponseTurn? turn)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var now = _timeProvider.GetTimestamp();
        var entry = new StoredResponse(id, tokenId, body, now + _ttl, turn);
        lock (_writeLock)
        {
            while (_order.TryPeek(out var head) && head.ExpiresAt <= now)
            {
                _order.Dequeue();
                Remove(head);
            }

            _entries[(tokenId, id)] = entry;
            _order.Enqueue(entry);

            // A replaced or deleted entry leaves a stale item in _order; removing it is a no-op and the loop goes on.
            while (_entries.Count > _maxEntries && _order.TryDequeue(out var oldest))
            {
                Remove(oldest);
            }
        }
    }

    /// <summary>Stores a finished response given as a JSON string.</summary>
    /// <param name="id">The response id.</param>
    /// <param name="tokenId">The id of the token that created the response.</param>
    /// <param name="json">The response object as JSON.</param>
    internal void Store(string id, long tokenId, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Store(id, tokenId, Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Returns the stored body for <paramref name="id"/> when it exists, has not expired and belongs to <paramref name="tokenId"/>.</summary>
    /// <remarks>Another token's entry reads exactly like a missing one, so ids cannot be probed.</remarks>
    public bool TryGet(string id, long tokenId, out ReadOnlyMemory<byte> body)
    {
        if (Find(id, tokenId) is { } entry)
        {
            body = entry.Body;
            return true;
        }

        body = default;
        return false;
    }

    /// <summary>Returns the conversation turn stored for <paramref name="id"/> when it exists, has not expired and belongs to <paramref name="tokenId"/>.</summary>
    /// <returns>The turn, or <see langword="null"/>: unknown, expired, another token's, or a response stored without its turn.</returns>
    public ResponseTurn? FindTurn(string id, long tokenId) => Find(id, tokenId)?.Turn;

    /// <summary>Removes the entry for <paramref name="id"/> when it belongs to <paramref name="tokenId"/> (for <c>DELETE /v1/responses/{id}</c>).</summary>
    /// <returns><see langword="true"/> when an entry was removed; <see langword="false"/> when none was visible to the token.</returns>
    internal bool TryRemove(string id, long tokenId) => Find(id, tokenId) is { } entry && Remove(entry);

    private StoredResponse? Find(string id, long tokenId)
    {
        if (!_entries.TryGetValue((tokenId, id), out var entry))
        {
            return null;
        }

        if (_timeProvider.GetTimestamp() >= entry.ExpiresAt)
        {
            Remove(entry);
            return null;
        }

        return entry;
    }

    // Removes the entry only if it is still the one stored under its id.
    private bool Remove(StoredResponse entry) => _entries.TryRemove(KeyValuePair.Create((entry.TokenId, entry.Id), entry));
}
