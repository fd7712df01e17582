using System.Text;

namespace LlmRelay.Diagnostics;

/// <summary>One exchange being recorded: filled in by the send site and by the caller's reads of the answer, read by <see cref="UpstreamCaptureLog.List"/>.</summary>
/// <remarks>Thread-safe: the reading caller writes, a listing reads; both take the recording's own lock (only while capturing is on).</remarks>
internal sealed class UpstreamCaptureRecording
{
    private readonly Lock _lock = new();
    private readonly string _key;
    private readonly int _cap;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly DateTimeOffset _startedAt;
    private readonly string _method;
    private readonly string _url;
    private readonly KeyValuePair<string, string>[] _requestHeaders;
    private readonly string _requestBody;
    private readonly long _requestLength;
    private byte[] _response;
    private int _responseKept;
    private long _responseLength;
    private int? _status;
    private KeyValuePair<string, string>[] _responseHeaders = [];
    private TimeSpan? _timeToHeaders;
    private TimeSpan? _duration;
    private string? _error;

    public UpstreamCaptureRecording(long id, long channelId, string channelName, string key, HttpRequestMessage message, ReadOnlyMemory<byte> body, int cap, TimeProvider time)
    {
        Id = id;
        ChannelId = channelId;
        ChannelName = channelName;
        _key = key;
        _cap = cap;
        _time = time;
        _started = time.GetTimestamp();
        _startedAt = time.GetUtcNow();
        _method = message.Method.Method;
        _url = UpstreamCaptureRedaction.Url(message.RequestUri, key);
        _requestHeaders = UpstreamCaptureRedaction.Headers(message.Headers, message.Content?.Headers, key);
        _requestLength = body.Length;
        _requestBody = Decode(body.Span[..Math.Min(body.Length, cap)]);
        _response = cap == 0 ? [] : new byte[Math.Min(cap, 16 * 1024)];
    }

    public long Id { get; }

    public long ChannelId { get; }

    public string ChannelName { get; }

    /// <summary>Awaits the send and records its answer's headers (or its failure); wraps the answer's body so reads are recorded.</summary>
    public async Task<HttpResponseMessage> TrackAsync(Task<HttpResponseMessage> send)
    {
        HttpResponseMessage response;
        try
        {
            response = await send.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Finish(e.GetType().Name + ": " + e.Message);
            throw;
        }

        var headers = UpstreamCaptureRedaction.Headers(response.Headers, response.Content?.Headers, _key);
        lock (_lock)
        {
            _status = (int)response.StatusCode;
            _responseHeaders = headers;
            _timeToHeaders = _time.GetElapsedTime(_started);
        }

        response.Content = new CapturingContent(response.Content ?? new ByteArrayContent([]), this);
        return response;
    }

    /// <summary>Keeps the bytes the caller just read, up to the cap.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            _responseLength += data.Length;
            var room = _cap - _responseKept;
            if (room <= 0)
            {
                return;
            }

            var take = data[..Math.Min(room, data.Length)];
            if (_responseKept + take.Length > _response.Length)
            {
                Array.Resize(ref _response, Math.Min(_cap, Math.Max(_response.Length * 2, _responseKept + take.Length)));
            }

            take.CopyTo(_response.AsSpan(_responseKept));
            _responseKept += take.Length;
        }
    }

    /// <summary>Marks the exchange over: the answer was read to its end or released, or the send failed.</summary>
    public void Finish(string? error = null)
    {
        lock (_lock)
        {
            if (_duration is null)
            {
                _duration = _time.GetElapsedTime(_started);
                _error = error;
            }
        }
    }

    public UpstreamCapture Snapshot()
    {
        lock (_lock)
        {
            return new UpstreamCapture
            {
                Id = Id,
                ChannelId = ChannelId,
                ChannelName = ChannelName,
                StartedAt = _startedAt,
                Method = _method,
                Url = _url,
                RequestHeaders = _requestHeaders,
                RequestBody = UpstreamCaptureRedaction.Text(_requestBody, _key),
                RequestBodyLength = _requestLength,
                RequestBodyTruncated = _requestLength > _cap,
                StatusCode = _status,
                ResponseHeaders = _responseHeaders,
                ResponseBody = UpstreamCaptureRedaction.Text(Decode(_response.AsSpan(0, _responseKept)), _key),
                ResponseBodyLength = _responseLength,
                ResponseBodyTruncated = _responseLength > _responseKept,
                TimeToHeaders = _timeToHeaders,
                Duration = _duration,
                Completed = _duration is not null,
                Error = _error,
            };
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
