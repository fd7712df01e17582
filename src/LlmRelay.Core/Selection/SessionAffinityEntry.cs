namespace LlmRelay.Selection;

/// <summary>One entry of <see cref="InMemorySessionAffinityStore"/>: its key, its target, its expiry (a <see cref="TimeProvider"/> timestamp) and whether it was used again since it was queued.</summary>
/// <remarks>The target never changes (a session that moves gets a new entry); the expiry and the used flag are updated without a lock.</remarks>
internal sealed class SessionAffinityEntry(SessionAffinityKey key, SessionAffinityTarget target, long expiresAt)
{
    private long _expiresAt = expiresAt;
    private int _touched;

    public SessionAffinityKey Key { get; } = key;

    public SessionAffinityTarget Target { get; } = target;

    public long ExpiresAt => Volatile.Read(ref _expiresAt);

    /// <summary>Extends the entry to <paramref name="expiresAt"/> and marks it used, so the next sweep moves it to the back instead of evicting it.</summary>
    public void Touch(long expiresAt)
    {
        Volatile.Write(ref _expiresAt, expiresAt);
        Volatile.Write(ref _touched, 1);
    }

    /// <summary>Clears the used mark; returns whether it was set.</summary>
    public bool TryClearTouched() => Interlocked.Exchange(ref _touched, 0) == 1;
}
