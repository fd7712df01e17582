using System.Diagnostics;

namespace LlmRelay.Benchmarks;

/// <summary>Records when each accepted usage-log row was enqueued and when the store committed it.</summary>
/// <remarks>
/// One producer enqueues in order and the writer drains the queue in order, so the n-th committed row is the n-th
/// accepted one; a batch's commit time is the persistence time of every row in it.
/// </remarks>
internal sealed class PersistenceRecorder(int capacity)
{
    private readonly long[] _enqueued = new long[capacity];
    private readonly long[] _lag = new long[capacity];
    private readonly List<(int Rows, long Ticks)> _batches = [];
    private int _accepted;
    private int _persisted;

    /// <summary>Gets how many rows the queue accepted.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Gets how many rows the store committed.</summary>
    public int Persisted => Volatile.Read(ref _persisted);

    /// <summary>Gets when the last batch was committed (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastCommit { get; private set; }

    /// <summary>Gets the size and duration of every committed batch.</summary>
    public IReadOnlyList<(int Rows, long Ticks)> Batches => _batches;

    /// <summary>Stamps the next row before it is offered to the queue.</summary>
    public void Stamp(long timestamp) => _enqueued[_accepted] = timestamp;

    /// <summary>Counts the stamped row as accepted.</summary>
    public void Accept() => Volatile.Write(ref _accepted, _accepted + 1);

    /// <summary>Records a committed batch of <paramref name="rows"/> rows that took <paramref name="ticks"/>.</summary>
    public void Committed(int rows, long ticks)
    {
        var now = Stopwatch.GetTimestamp();
        var first = _persisted;
        for (var i = first; i < first + rows; i++)
        {
            _lag[i] = now - _enqueued[i];
        }

        _batches.Add((rows, ticks));
        LastCommit = now;
        Volatile.Write(ref _persisted, first + rows);
    }

    /// <summary>Returns the enqueue-to-commit lag of the committed rows, sorted, in milliseconds.</summary>
    public double[] SortedLagMs()
    {
        var lag = new double[Persisted];
        for (var i = 0; i < lag.Length; i++)
        {
            lag[i] = _lag[i] * 1000.0 / Stopwatch.Frequency;
        }

        Array.Sort(lag);
        return lag;
    }
}
