using LlmRelay.Formats;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>One opened upstream stream of a <see cref="RelayChatClient"/> call: yields updates, knows the usage, owns the attempt's resources.</summary>
/// <remarks>Not thread-safe. Disposing cancels the upstream call; the attempt that opened it holds the concurrency slot.</remarks>
internal abstract class RelayUpdateSource : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts;
    protected RelayUpdateSource(CancellationTokenSource cts) => _cts = cts;

    /// <summary>Gets the usage reported so far, normalised, or <see langword="null"/>.</summary>
    public abstract TokenUsage? Usage { get; }

    /// <summary>Gets the SSE data events read so far (what the HTTP relay counts), the stand-in for completion tokens when no usage comes.</summary>
    public abstract long DataEvents { get; }

    /// <summary>Gets the attempt's cancellation (the caller's, the timeouts, and disposal).</summary>
    protected CancellationTokenSource Cancellation => _cts;

    /// <summary>Returns the next update, or <see langword="null"/> at the end of the stream.</summary>
    /// <exception cref="RelayChatClientException">The upstream failed or stalled.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public abstract ValueTask<ChatResponseUpdate?> NextAsync(CancellationToken cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        await DisposeCoreAsync().ConfigureAwait(false);
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask DisposeCoreAsync();
}
