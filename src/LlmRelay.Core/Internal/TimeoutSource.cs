namespace LlmRelay.Internal;

/// <summary>
/// A <see cref="CancellationTokenSource"/> that cancels when a <see cref="TimeProvider"/> timer fires or when a caller's token
/// is cancelled: <see cref="CancellationTokenSource.CreateLinkedTokenSource(CancellationToken)"/> plus
/// <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>, but on the injected clock instead of the system one.
/// </summary>
/// <remarks>
/// The source owns the provider's timer (<see cref="CancellationTokenSource(TimeSpan, TimeProvider)"/>), so a later
/// <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> (an idle timeout re-armed per chunk) only changes that timer's due
/// time: no allocation. With <see cref="TimeProvider.System"/> the runtime uses the same timer queue as
/// <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> on a plain source. The link is one registration on the caller's
/// token, as a linked source has; it is removed on <see cref="CancellationTokenSource.Dispose()"/>.
/// </remarks>
internal sealed class TimeoutSource : CancellationTokenSource
{
    private readonly CancellationTokenRegistration _link;

    /// <summary>Starts a timeout of <paramref name="delay"/> on <paramref name="time"/>, also cancelled with <paramref name="linkedTo"/>.</summary>
    public TimeoutSource(TimeSpan delay, TimeProvider time, CancellationToken linkedTo)
        : base(delay, time)
    {
        if (linkedTo.CanBeCanceled)
        {
            _link = linkedTo.UnsafeRegister(static state => ((TimeoutSource)state!).CancelFromLink(), this);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Waits for a running link callback, so it never cancels a disposed source.
            _link.Dispose();
        }

        base.Dispose(disposing);
    }

    private void CancelFromLink()
    {
        try
        {
            Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed from inside the caller's own cancellation callbacks: nothing left to cancel.
        }
    }
}
