using System.Buffers;

namespace LlmRelay.Responses;

/// <summary>One answered turn of a <c>/v1/responses</c> conversation: the input items it was given and the output items of its answer, linked to the turn it continued.</summary>
/// <remarks>
/// <code>
/// turn 1: [input 1, output 1] ◄── turn 2: [input 2, output 2] ◄── turn 3: ...      (Previous links)
/// WriteItems(turn 3) ─► input 1, output 1, input 2, output 2, input 3, output 3      (the whole history, oldest first)
/// </code>
/// A turn keeps only its own items and refers to the turn before it, so a chain of n turns holds each item once, and a turn
/// stays complete when the store has already forgotten an earlier one (issue #16). Immutable, thread-safe.
/// </remarks>
public sealed class ResponseTurn
{
    /// <summary>Initializes a new instance of the <see cref="ResponseTurn"/> class.</summary>
    /// <param name="previous">The turn this one continued (its <c>previous_response_id</c>), or <see langword="null"/>.</param>
    /// <param name="items">This turn's input items, then its output items: JSON values separated by commas, without brackets; kept without copying.</param>
    /// <param name="channelId">The channel that answered, or 0 (a turn no upstream saw).</param>
    /// <param name="storedUpstream">Whether that channel keeps the response itself (an OpenAI Responses upstream asked without <c>store:false</c>), so it can be continued there by id.</param>
    public ResponseTurn(ResponseTurn? previous, ReadOnlyMemory<byte> items, long channelId, bool storedUpstream)
    {
        Previous = previous;
        Items = items;
        ChannelId = channelId;
        StoredUpstream = storedUpstream;
        Depth = (previous?.Depth ?? 0) + 1;
        HistoryLength = (previous?.HistoryLength ?? 0) + items.Length + 1;
    }

    /// <summary>Gets the turn this one continued, or <see langword="null"/>.</summary>
    public ResponseTurn? Previous { get; }

    /// <summary>Gets this turn's own input and output items, comma-separated, without brackets.</summary>
    public ReadOnlyMemory<byte> Items { get; }

    /// <summary>Gets the id of the channel that answered this turn, or 0.</summary>
    public long ChannelId { get; }

    /// <summary>Gets whether the answering channel keeps the response itself and can be sent its id.</summary>
    public bool StoredUpstream { get; }

    /// <summary>Gets the number of turns in the chain up to and including this one.</summary>
    public int Depth { get; }

    /// <summary>Gets the bytes <see cref="WriteItems"/> writes at most.</summary>
    public long HistoryLength { get; }

    /// <summary>Writes every item of the chain, oldest first, comma-separated, without brackets.</summary>
    /// <param name="output">Where to write.</param>
    /// <returns><see langword="true"/> when anything was written.</returns>
    public bool WriteItems(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var turns = ArrayPool<ResponseTurn>.Shared.Rent(Depth);
        try
        {
            var count = 0;
            for (var turn = this; turn is not null; turn = turn.Previous)
            {
                turns[count++] = turn;
            }

            var written = false;
            for (var i = count - 1; i >= 0; i--)
            {
                var items = turns[i].Items.Span;
                if (items.IsEmpty)
                {
                    continue;
                }

                if (written)
                {
                    output.Write(","u8);
                }

                output.Write(items);
                written = true;
            }

            return written;
        }
        finally
        {
            ArrayPool<ResponseTurn>.Shared.Return(turns, clearArray: true);
        }
    }
}
