using LlmRelay.Formats;

namespace LlmRelay.Pipeline;

// A realtime session (issue #17): one call, one upstream socket, one usage-log row per response.done.
public sealed partial class RelayCall
{
    /// <summary>Gets the number of responses of a realtime session billed so far.</summary>
    public int SessionResponses { get; internal set; }

    /// <summary>Gets or sets the quota the session holds reserved for its next response (moved to each response's row as it is billed).</summary>
    internal long SessionReserve { get; set; }

    /// <summary>Gets or sets the <see cref="TimeProvider"/> timestamp of the previous response's end (or of the session's start).</summary>
    internal long SessionMark { get; set; }

    /// <summary>Bills one response of a realtime session as its own usage-log row, queued and settled now, so that a session that drops later has still paid for it.</summary>
    /// <param name="attempt">The attempt holding the upstream socket; its upstream model is priced.</param>
    /// <param name="usage">The usage of the upstream's <c>response.done</c> event; all zero when it reported none.</param>
    /// <param name="answer">The <c>response.done</c> event, counted when no usage was reported.</param>
    /// <param name="note">What the row says besides the usage (the response id, audio tokens), or empty.</param>
    /// <remarks>
    /// The row carries as much of the session's reservation as its charge uses; <see cref="ReserveNextResponseAsync"/> then tops
    /// the reservation up again. Rows are numbered after the session's request id (<c>…/1</c>, <c>…/2</c>).
    /// </remarks>
    public void BillSessionResponse(RelayAttempt attempt, in TokenUsage usage, ReadOnlySpan<byte> answer, string note)
    {
        if (Client.RelayMetering.IsMissing(usage))
        {
            BillSessionEstimate(attempt, Client.RelayMetering.CountAnswer(_pipeline.Counter, attempt.UpstreamModel, answer), note);
            return;
        }

        _pipeline.BillSessionResponse(this, attempt, usage, estimated: false, note);
    }

    /// <summary>Bills output a realtime session delivered without a usage report (the upstream dropped mid-response) as an estimated row, like <see cref="BillSessionResponse"/>.</summary>
    /// <param name="attempt">The attempt holding the upstream socket.</param>
    /// <param name="completionTokens">The output tokens estimated by the adapter.</param>
    /// <param name="note">What the row says about the estimate.</param>
    /// <remarks>Nothing is billed when <paramref name="completionTokens"/> is 0 or less.</remarks>
    public void BillSessionEstimate(RelayAttempt attempt, long completionTokens, string note)
    {
        if (completionTokens > 0)
        {
            _pipeline.BillSessionResponse(this, attempt, new TokenUsage { OutputTokens = completionTokens, TotalTokens = completionTokens }, estimated: true, note);
        }
    }

    /// <summary>Reserves quota for a realtime session's next response again, as much as the last response's row took from the reservation.</summary>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns><see langword="null"/> when reserved (or nothing is reserved for this key); otherwise the refusal (429 <c>insufficient_quota</c>) that ends the session.</returns>
    public ValueTask<RelayError?> ReserveNextResponseAsync(CancellationToken cancellationToken) => _pipeline.ReserveSessionAsync(this, cancellationToken);

    /// <summary>Closes the session's own row: no charge (each response has its row), the rest of the reservation returned, and why the session ended.</summary>
    /// <param name="reason">Why the session ended (who closed it, with which status).</param>
    /// <remarks>Call before <see cref="Dispose"/>, once the session was opened; the row becomes a system row and counts as no request.</remarks>
    public void EndSession(string reason)
    {
        Log.Quota = 0;
        Log.StatusCode = 200;
        Log.Type = Usage.UsageLogType.System;
        Log.Content = reason;
    }
}
