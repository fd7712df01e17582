using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells when a timer is armed with a given due time, so a test advances the clock only
/// once the timeout it is about has been started (or re-armed, as an idle timeout is per chunk): no race with the code under test.
/// </summary>
internal sealed class ArmedTimeProvider() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    private readonly ConcurrentDictionary<TimeSpan, SemaphoreSlim> _armed = new();

    /// <summary>Completes when a timer has been armed with <paramref name="due"/>; each arming is waited for once.</summary>
    /// <remarks>Throws after 30 s of real time without one: a deadline for a timeout that is never started, not a measurement.</remarks>
    public async Task WaitArmedAsync(TimeSpan due, CancellationToken cancellationToken)
    {
        if (!await Armed(due).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken))
        {
            throw new TimeoutException($"No timer was armed with a due time of {due}.");
        }
    }

    /// <summary>Waits for a timer armed with <paramref name="due"/>, then advances the clock by <paramref name="due"/>.</summary>
    public async Task FireAsync(TimeSpan due, CancellationToken cancellationToken)
    {
        await WaitArmedAsync(due, cancellationToken);
        Advance(due);
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        timer.Notify(dueTime);
        return timer;
    }

    private SemaphoreSlim Armed(TimeSpan due) => _armed.GetOrAdd(due, static _ => new SemaphoreSlim(0));

    private sealed class WatchedTimer(ITimer inner, ArmedTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            Notify(dueTime);
            return changed;
        }

        public void Notify(TimeSpan dueTime)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                owner.Armed(dueTime).Release();
            }
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
