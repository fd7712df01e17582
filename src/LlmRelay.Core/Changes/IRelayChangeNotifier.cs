namespace LlmRelay.Changes;

/// <summary>Tells the other gateway instances that share a database what a management write changed, so their caches reload.</summary>
/// <remarks>
/// <para>
/// Implementations: in-process (the default: one instance has nobody to tell), PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c> (when the
/// stores are on PostgreSQL) and Redis pub/sub (when <c>ConnectionStrings:Redis</c> or <c>LlmRelay:Redis</c> is set). Issue #18.
/// </para>
/// <code>
/// instance A: management write ─► store ─► local caches reload ─► Publish(kinds)
///                                                                    │ NOTIFY / PUBLISH
/// instance B: transport ─► subscribers(kinds) ─► caches reload from the store
/// </code>
/// <para>
/// A publisher is never told about its own changes: it has applied them already. Delivery is best effort and fast (well under
/// a second); a transport that lost its connection tells its subscribers <see cref="RelayChangeKinds.All"/> once it is back,
/// because changes may have been missed meanwhile. Thread-safe.
/// </para>
/// </remarks>
public interface IRelayChangeNotifier
{
    /// <summary>Tells the other instances that <paramref name="changes"/> changed; returns at once, sending in the background.</summary>
    /// <param name="changes">What changed; <see cref="RelayChangeKinds.None"/> sends nothing.</param>
    void Publish(RelayChangeKinds changes);

    /// <summary>Calls <paramref name="onChange"/> for every change another instance publishes, until the result is disposed.</summary>
    /// <param name="onChange">
    /// Called on the transport's thread: it must return quickly and not throw (queue slow work, such as a reload, elsewhere).
    /// </param>
    /// <returns>Disposing it ends the subscription.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="onChange"/> is <see langword="null"/>.</exception>
    IDisposable Subscribe(Action<RelayChangeKinds> onChange);
}
