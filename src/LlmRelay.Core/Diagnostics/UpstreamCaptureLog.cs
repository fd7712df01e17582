using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Diagnostics;

/// <summary>The bounded, in-memory record of recent upstream exchanges, for debugging a channel (issue #15).</summary>
/// <remarks>
/// <code>
/// UpstreamSender.Send ─► IsEnabled? ── no ─► send as always (one field read: no allocation, no lock)
///                                  └─ yes ─► Begin: method, URL, headers, body (cut, redacted)
///                                            ─► answer headers: status, headers, time to headers
///                                            ─► the caller reads the body: bytes copied as they pass, up to the cap
///                                            ─► end of body / released / send failed: duration, completed
/// </code>
/// Configured by <see cref="LlmRelayOptions.Captures"/>; the newest <see cref="UpstreamCaptureOptions.Limit"/> exchanges are
/// kept. Thread-safe.
/// </remarks>
public sealed class UpstreamCaptureLog
{
    private readonly IOptions<LlmRelayOptions> _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly LinkedList<UpstreamCaptureRecording> _items = new();
    private long _nextId;

    internal UpstreamCaptureLog(IOptions<LlmRelayOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Gets whether exchanges are being recorded (<see cref="UpstreamCaptureOptions.Enabled"/>).</summary>
    public bool IsEnabled => _options.Value.Captures.Enabled;

    /// <summary>Gets how many exchanges are kept (<see cref="UpstreamCaptureOptions.Limit"/>).</summary>
    public int Limit => _options.Value.Captures.Limit;

    /// <summary>Gets how many bytes of each body are kept (<see cref="UpstreamCaptureOptions.MaxBodyBytes"/>).</summary>
    public int MaxBodyBytes => _options.Value.Captures.MaxBodyBytes;

    /// <summary>Returns the recorded exchanges, newest first.</summary>
    /// <param name="channelId">Only this channel's exchanges, or <see langword="null"/> for all.</param>
    /// <returns>A copy: later exchanges do not change it.</returns>
    public IReadOnlyList<UpstreamCapture> List(long? channelId = null)
    {
        UpstreamCaptureRecording[] items;
        lock (_lock)
        {
            items = [.. _items];
        }

        var list = new List<UpstreamCapture>(items.Length);
        for (var i = items.Length - 1; i >= 0; i--)
        {
            if (channelId is null || items[i].ChannelId == channelId)
            {
                list.Add(items[i].Snapshot());
            }
        }

        return list;
    }

    /// <summary>Forgets every recorded exchange.</summary>
    /// <returns>How many were forgotten.</returns>
    public int Clear()
    {
        lock (_lock)
        {
            var count = _items.Count;
            _items.Clear();
            return count;
        }
    }

    /// <summary>Starts recording one exchange; called by the send site only when <see cref="IsEnabled"/>.</summary>
    internal UpstreamCaptureRecording Begin(long channelId, string channelName, string key, HttpRequestMessage message, ReadOnlyMemory<byte> body)
    {
        var options = _options.Value.Captures;
        var recording = new UpstreamCaptureRecording(Interlocked.Increment(ref _nextId), channelId, channelName, key, message, body, Math.Max(0, options.MaxBodyBytes), _time);
        lock (_lock)
        {
            _items.AddLast(recording);
            while (_items.Count > Math.Max(1, options.Limit))
            {
                _items.RemoveFirst();
            }
        }

        return recording;
    }
}
