namespace LlmRelay.Concurrency;

/// <summary>Slots held in an <see cref="IConcurrencySlotStore"/>: renewed on a timer while held, released on <see cref="Dispose"/>.</summary>
/// <remarks>The renewal keeps a long call's slots from expiring; if the instance dies, renewals stop and the slots expire after the store's lease duration. Thread-safe.</remarks>
internal sealed class SharedConcurrencySlot : IDisposable
{
    private readonly IConcurrencySlotStore _store;
    private readonly ConcurrencySlotScope[] _scopes;
    private readonly string _holder;
    private readonly TimeProvider _timeProvider;
    private readonly ITimer _renewal;

    internal SharedConcurrencySlot(IConcurrencySlotStore store, ConcurrencySlotScope[] scopes, string holder, TimeProvider timeProvider)
    {
        _store = store;
        _scopes = scopes;
        _holder = holder;
        _timeProvider = timeProvider;
        var period = store.LeaseDuration / 3;
        _renewal = timeProvider.CreateTimer(static state => ((SharedConcurrencySlot)state!).Renew(), this, period, period);
    }

    /// <summary>Stops renewing and releases the slots.</summary>
    public void Dispose()
    {
        _renewal.Dispose();
        _store.Release(_scopes, _holder);
    }

    private void Renew()
    {
        try
        {
            _store.Renew(_scopes, _holder, _timeProvider.GetUtcNow());
        }
        catch (Exception)
        {
            // A timer callback must not throw; the next tick tries again, and at worst the slot expires early.
        }
    }
}
