using System.Threading.Channels;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Usage;

/// <summary>A bounded in-memory queue of usage-log rows, drained in batches by <see cref="UsageLogWriter"/>.</summary>
/// <remarks>
/// Enqueueing never blocks or fails a request: when the queue is full the row is dropped and counted in
/// <see cref="Dropped"/>. Thread-safe.
/// </remarks>
internal sealed class UsageLogQueue
{
    private readonly Channel<UsageLog> _channel;
    private long _dropped;

    public UsageLogQueue(IOptions<LlmRelayOptions> options)
    {
        _channel = Channel.CreateBounded<UsageLog>(new BoundedChannelOptions(Math.Max(1, options.Value.UsageLogQueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails instead of waiting, so a full queue is counted, never blocks.
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<UsageLog> Reader => _channel.Reader;

    /// <summary>Gets how many rows were dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many rows wait to be written.</summary>
    public int Count => _channel.Reader.Count;

    public void Enqueue(UsageLog log)
    {
        if (!_channel.Writer.TryWrite(log))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Complete() => _channel.Writer.TryComplete();
}
