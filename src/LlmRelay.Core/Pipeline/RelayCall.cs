using LlmRelay.Client;
using LlmRelay.Formats;
using LlmRelay.Health;
using LlmRelay.Usage;

namespace LlmRelay.Pipeline;

/// <summary>One relayed call from its start to its usage-log row: the attempts made, the error that ended it, and its bill.</summary>
/// <remarks>
/// <code>
/// RelayPipeline.BeginAsync ─► RelayCall (quota reserved; or Error, nothing logged)
///   NextAttemptAsync ─► RelayAttempt (2xx, headers read) │ null: Error says why (404, 429, 502, 503, 504, or the caller's 4xx)
///   the adapter reads the answer ─► Bill / BillEstimated…  │ FailAttempt: nothing delivered yet, try the next channel
///   Dispose ─► the usage-log row, queued once (it settles the reservation to the real charge)
/// </code>
/// Not thread-safe: one call is driven by one request. Instances come from <see cref="RelayPipeline.BeginAsync"/>.
/// </remarks>
public sealed partial class RelayCall : IDisposable
{
    private readonly RelayPipeline _pipeline;
    private bool _finished;

    internal RelayCall(RelayPipeline pipeline, RelayRequest request, UsageLog log, long started, int maxAttempts)
    {
        _pipeline = pipeline;
        Request = request;
        Log = log;
        Started = started;
        Excluded = new List<long>(maxAttempts);
    }

    /// <summary>Gets what the call asks for.</summary>
    public RelayRequest Request { get; }

    /// <summary>Gets the usage-log row the call fills.</summary>
    public UsageLog Log { get; }

    /// <summary>Gets the <see cref="TimeProvider"/> timestamp of the call's start.</summary>
    internal long Started { get; }

    /// <summary>Gets why the call ended without an answer, or <see langword="null"/> while it may still get one.</summary>
    public RelayError? Error { get; private set; }

    /// <summary>Gets whether the call was refused before anything was reserved or logged (no row will be written).</summary>
    public bool Refused { get; private set; }

    // The attempt loop's state (RelayPipeline.NextAttemptAsync).
    internal List<long> Excluded { get; }

    internal int Made { get; set; }

    internal bool Unservable { get; set; }

    internal RelayError? LastFailure { get; set; }

    // Session affinity (RelayPipeline.Affinity.cs): looked up once, before the first selection.
    internal bool AffinityLoaded { get; set; }

    internal Selection.SessionAffinityTarget? Sticky { get; set; }

    internal Selection.SessionAffinityTarget? Served { get; set; }

    // The rate-limit rules that admitted the call; its settled tokens are added to them when it finishes.
    internal RateLimiting.RateLimitRule[]? RateLimitRules { get; set; }

    /// <summary>Opens the next attempt: selects a channel not tried yet, sends, and fails over until one answers 2xx.</summary>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The opened attempt, which the caller disposes; or <see langword="null"/> when the call ended: <see cref="Error"/> says why.</returns>
    /// <exception cref="OperationCanceledException">The caller cancelled (the row is marked 499).</exception>
    public ValueTask<RelayAttempt?> NextAttemptAsync(CancellationToken cancellationToken) => _pipeline.NextAttemptAsync(this, cancellationToken);

    /// <summary>Records the id of the <c>/v1/responses</c> object the answering channel produced, so that a later call of the same token naming it as <c>previous_response_id</c> goes to the same channel and key first.</summary>
    /// <param name="responseId">The response id (<c>resp_…</c>).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes when the id is remembered; nothing is remembered before an attempt answered, or when session affinity is off.</returns>
    /// <remarks>Never fails the call: a store that fails costs the chain its affinity only.</remarks>
    public ValueTask RecordResponseIdAsync(string responseId, CancellationToken cancellationToken) => _pipeline.RecordResponseIdAsync(this, responseId, cancellationToken);

    /// <summary>Records that an opened attempt failed before anything reached the caller, so the next one may be tried.</summary>
    /// <remarks>Disposes <paramref name="attempt"/>; <see cref="NextAttemptAsync"/> goes on with the channels not tried yet.</remarks>
    internal void FailAttempt(RelayAttempt attempt, ChannelFailureKind kind, int status, string message, string? code) =>
        _pipeline.FailAttempt(this, attempt, kind, status, message, code);

    /// <summary>Classifies what an in-process chat-client channel threw: a channel failure (returns, the next channel may be tried) or the caller's own error (set as <see cref="Error"/>, returns <see langword="false"/>).</summary>
    internal bool FailAttempt(RelayAttempt attempt, Exception exception) => _pipeline.FailAttempt(this, attempt, exception);

    /// <summary>Ends the call with an error that is not any channel's fault (an answer that could not be read or converted).</summary>
    /// <param name="status">The HTTP status the caller gets, also written to the usage-log row.</param>
    /// <param name="kind">The kind of error, which the caller's API family maps to its own error type.</param>
    /// <param name="message">The message; it must not hold an upstream key.</param>
    /// <param name="code">A machine-readable code such as <c>upstream_invalid_response</c>, or <see langword="null"/>.</param>
    /// <param name="param">The request parameter at fault, or <see langword="null"/>.</param>
    /// <returns>The error, now <see cref="Error"/>, to render in the caller's shape.</returns>
    public RelayError Fail(int status, RelayErrorKind kind, string message, string? code = null, string? param = null) =>
        Fail(new RelayError(status, kind, message, code, param));

    internal RelayError Fail(RelayError error)
    {
        Error = error;
        Log.StatusCode = error.Status;
        Log.Content = error.Message;
        return error;
    }

    internal RelayError Refuse(RelayError error)
    {
        Refused = true;
        return Fail(error);
    }

    /// <summary>Records the moment the answer's first byte reached the gateway.</summary>
    public void MarkFirstByte() => Log.FirstByteMs ??= (int)_pipeline.Time.GetElapsedTime(Started).TotalMilliseconds;

    /// <summary>Marks the answer as delivered with <paramref name="status"/> (the row's status unless a later failure changes it).</summary>
    /// <param name="status">The HTTP status the caller got.</param>
    public void MarkAnswered(int status) => Log.StatusCode = status;

    /// <summary>Marks a call the caller abandoned (status 499); what was reported or delivered is still billed.</summary>
    public void MarkClientClosed() => RelayMetering.MarkClientClosed(Log);

    /// <summary>Bills the usage the upstream reported.</summary>
    /// <param name="attempt">The attempt that answered; its upstream model is priced.</param>
    /// <param name="usage">The usage the upstream reported.</param>
    public void Bill(RelayAttempt attempt, in TokenUsage usage) => RelayMetering.ApplyUsage(Log, usage, attempt.UpstreamModel, _pipeline.Pricing);

    /// <summary>Bills the <paramref name="units"/> of <paramref name="unit"/> the answer delivered (images, calls, search units; issue #17).</summary>
    /// <param name="attempt">The attempt that answered; its upstream model is priced.</param>
    /// <param name="unit">The unit counted.</param>
    /// <param name="units">How many were delivered.</param>
    /// <param name="variant">The variant priced (an image's <c>size/quality</c>), or <see langword="null"/>.</param>
    /// <param name="usage">The tokens the upstream reported, all zero when none: billed instead when the model has no price for <paramref name="unit"/> (estimated from the bodies then).</param>
    /// <param name="answer">The answer's body, counted when the tokens must be estimated.</param>
    /// <param name="unitsEstimated">Whether <paramref name="units"/> is the gateway's estimate, not the upstream's count (a transcription's seconds from the upload's size): the row says <c>"usage":"estimated"</c>.</param>
    /// <remarks>The row's details carry the unit, the count, the variant and the unit price: one usage row, one meter.</remarks>
    public void BillUnits(RelayAttempt attempt, Pricing.BillingUnit unit, long units, string? variant, in TokenUsage usage, ReadOnlySpan<byte> answer, bool unitsEstimated = false)
    {
        var tokens = usage;
        var estimated = RelayMetering.IsMissing(usage);
        if (estimated)
        {
            // A multipart upload is not counted as text: its files would count as millions of tokens.
            var sent = Request.ContentType is null ? attempt.Body.Span : default;
            tokens = RelayMetering.Estimate(_pipeline.Counter, attempt.UpstreamModel, sent, RelayMetering.CountAnswer(_pipeline.Counter, attempt.UpstreamModel, answer));
        }

        RelayMetering.ApplyUnits(Log, unit, units, variant, tokens, estimated, attempt.UpstreamModel, _pipeline.Pricing, unitsEstimated);
    }

    /// <summary>Bills <paramref name="usage"/> when the upstream reported any, else estimates like <see cref="BillEstimatedAnswer"/>.</summary>
    /// <param name="attempt">The attempt that answered.</param>
    /// <param name="usage">The usage read from the answer; all zero when the upstream reported none.</param>
    /// <param name="answer">The answer's body, in the upstream's wire format, counted when no usage was reported.</param>
    public void BillAnswer(RelayAttempt attempt, in TokenUsage usage, ReadOnlySpan<byte> answer)
    {
        if (RelayMetering.IsMissing(usage))
        {
            BillEstimatedAnswer(attempt, answer);
        }
        else
        {
            Bill(attempt, usage);
        }
    }

    /// <summary>Bills a whole answer that reported no usage: the prompt counted from the body sent, the completion from the answer's text.</summary>
    /// <param name="attempt">The attempt that answered.</param>
    /// <param name="answer">The answer's body, in the upstream's wire format.</param>
    public void BillEstimatedAnswer(RelayAttempt attempt, ReadOnlySpan<byte> answer) =>
        BillEstimated(attempt, RelayMetering.CountAnswer(_pipeline.Counter, attempt.UpstreamModel, answer));

    /// <summary>Bills a stream that reported no usage: the prompt counted from the body sent, one completion token per data event delivered.</summary>
    /// <param name="attempt">The attempt that answered.</param>
    /// <param name="dataEvents">The number of data events delivered to the caller.</param>
    /// <remarks>Nothing is billed when no data event arrived.</remarks>
    public void BillEstimatedStream(RelayAttempt attempt, long dataEvents)
    {
        if (dataEvents > 0)
        {
            BillEstimated(attempt, RelayMetering.StreamCompletionTokens(dataEvents));
        }
    }

    /// <summary>Bills an estimate with <paramref name="completionTokens"/> counted by the adapter, the prompt counted from <paramref name="body"/> (or the attempt's body).</summary>
    internal void BillEstimated(RelayAttempt attempt, long completionTokens, ReadOnlySpan<byte> body = default)
    {
        var sent = body.IsEmpty ? attempt.Body.Span : body;
        RelayMetering.ApplyEstimatedUsage(Log, RelayMetering.Estimate(_pipeline.Counter, attempt.UpstreamModel, sent, completionTokens), attempt.UpstreamModel, _pipeline.Pricing);
    }

    /// <summary>Counts completion text with the relay's token counter (an in-process answer without usage).</summary>
    internal long CountText(RelayAttempt attempt, string text) => RelayMetering.CountText(_pipeline.Counter, attempt.UpstreamModel, text);

    /// <summary>Bills nothing: the upstream answered, but the caller got nothing usable.</summary>
    public void Void() => Log.Quota = 0;

    /// <summary>Gets a value indicating whether the caller's answer should end only after <see cref="FinishStoredAsync"/> (<see cref="Configuration.QuotaOptions.HoldAnswerUntilLogged"/>).</summary>
    public bool HoldsAnswerUntilLogged => _pipeline.HoldsAnswerUntilLogged;

    /// <summary>
    /// When <see cref="HoldsAnswerUntilLogged"/>, closes the call as <see cref="Dispose"/> does and waits until its usage-log row is
    /// stored; otherwise does nothing (<see cref="Dispose"/> closes the call). Call it before the last byte of the answer.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait (the caller left); the row is still queued and stored.</param>
    /// <returns>A task that completes when the row is stored, or at once.</returns>
    /// <remarks>
    /// An answer the caller received in full is then always logged and billed, even when the process is killed right after it
    /// (issue #18): the usage-log writer batches rows, and rows still queued die with the process.
    /// </remarks>
    public async Task FinishStoredAsync(CancellationToken cancellationToken)
    {
        if (!HoldsAnswerUntilLogged || _finished || Refused)
        {
            return;
        }

        _finished = true;
        try
        {
            await _pipeline.FinishAndWaitAsync(this).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller left: nobody waits for the answer's end any more.
        }
    }

    /// <summary>Closes the call: its usage-log row is queued once (settling the reservation); a refused call writes none.</summary>
    public void Dispose()
    {
        if (_finished || Refused)
        {
            return;
        }

        _finished = true;
        _pipeline.Finish(this);
    }
}
