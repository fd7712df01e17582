namespace LlmRelay.Changes;

/// <summary>The default <see cref="IRelayChangeNotifier"/>: one process, so there is no other instance to tell.</summary>
/// <remarks>
/// Every message it sends is its own, which <see cref="RelayChangeNotifier"/> drops: the writer has already reloaded its caches.
/// Several instances on one database need the PostgreSQL or Redis notifier (docs/deployment.md, scale-out).
/// </remarks>
internal sealed class InProcessRelayChangeNotifier : RelayChangeNotifier
{
    protected override void Send(string message) => OnReceived(message);
}
