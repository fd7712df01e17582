using LlmRelay.Formats;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>Passes through the updates of a channel's <see cref="IChatClient"/>, remembering the usage they report.</summary>
internal sealed class ChatClientUpdateSource(IAsyncEnumerator<ChatResponseUpdate> inner, CancellationTokenSource cts, TimeSpan idleTimeout) : RelayUpdateSource(cts)
{
    private UsageDetails? _usage;
    private long _updates;

    public override TokenUsage? Usage => _usage is null ? null : OpenAIChatResponseMapper.TokenUsageOf(_usage);

    // The events the HTTP relay would stream for these updates: one each, plus the opening chunk and [DONE].
    public override long DataEvents => _updates == 0 ? 0 : _updates + 2;

    public override async ValueTask<ChatResponseUpdate?> NextAsync(CancellationToken cancellationToken)
    {
        bool more;
        try
        {
            more = await inner.MoveNextAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new RelayChatClientException(502, "upstream_interrupted", "The chat client stalled longer than the idle timeout.", ex);
        }
        catch (RelayChatClientException)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever the inner client throws ends the stream as an upstream failure.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new RelayChatClientException(502, "upstream_interrupted", $"The chat client failed: {ex.Message}", ex);
        }

        if (!more)
        {
            return null;
        }

        Cancellation.CancelAfter(idleTimeout);
        var update = inner.Current;
        _updates++;
        foreach (var content in update.Contents)
        {
            if (content is UsageContent usage)
            {
                (_usage ??= new UsageDetails()).Add(usage.Details);
            }
        }

        return update;
    }

    protected override ValueTask DisposeCoreAsync() => inner.DisposeAsync();
}
