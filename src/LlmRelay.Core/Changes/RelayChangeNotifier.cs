namespace LlmRelay.Changes;

/// <summary>A base for <see cref="IRelayChangeNotifier"/> transports: subscriptions, the message format and skipping the instance's own messages.</summary>
/// <remarks>
/// A message is <c>"{instance id} {kinds as a number}"</c>; the instance id is random per process, so a transport that hears its
/// own publications (PostgreSQL and Redis both do) drops them. Thread-safe.
/// </remarks>
public abstract class RelayChangeNotifier : IRelayChangeNotifier
{
    private readonly Lock _lock = new();
    private Action<RelayChangeKinds>[] _subscribers = [];

    /// <summary>Gets this process's random instance id, which prefixes every message it publishes.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <inheritdoc/>
    public void Publish(RelayChangeKinds changes)
    {
        if (changes != RelayChangeKinds.None)
        {
            Send(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{InstanceId} {(int)changes}"));
        }
    }

    /// <inheritdoc/>
    public IDisposable Subscribe(Action<RelayChangeKinds> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, onChange];
        }

        OnSubscribed();

        return new Subscription(this, onChange);
    }

    /// <summary>Called after each new subscription; a transport can start listening here.</summary>
    protected virtual void OnSubscribed()
    {
    }

    /// <summary>Sends <paramref name="message"/> to every instance (this one included) without waiting for it.</summary>
    /// <param name="message">The message to send.</param>
    protected abstract void Send(string message);

    /// <summary>Hands a received message to the subscribers, unless this instance sent it or it is not a change message.</summary>
    /// <param name="message">The message as received.</param>
    protected void OnReceived(string? message)
    {
        var space = message?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (message is null || space < 0
            || message.AsSpan(0, space).SequenceEqual(InstanceId)
            || !int.TryParse(message.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var kinds))
        {
            return;
        }

        Notify((RelayChangeKinds)kinds & RelayChangeKinds.All);
    }

    /// <summary>Calls every subscriber with <paramref name="changes"/> (for example <see cref="RelayChangeKinds.All"/> after a reconnect).</summary>
    /// <param name="changes">What changed.</param>
    protected void Notify(RelayChangeKinds changes)
    {
        if (changes == RelayChangeKinds.None)
        {
            return;
        }

        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(changes);
        }
    }

    private void Unsubscribe(Action<RelayChangeKinds> onChange)
    {
        lock (_lock)
        {
            _subscribers = [.. _subscribers.Where(s => s != onChange)];
        }
    }

    private sealed class Subscription(RelayChangeNotifier owner, Action<RelayChangeKinds> onChange) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(onChange);
    }
}
