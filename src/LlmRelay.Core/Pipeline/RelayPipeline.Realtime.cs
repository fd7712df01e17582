using LlmRelay.Client;
using LlmRelay.Formats;
using LlmRelay.Storage;
using LlmRelay.Usage;

namespace LlmRelay.Pipeline;

// Realtime sessions (issue #17): a session is one call whose upstream socket stays open; each response.done is billed as a
// row of its own, against a reservation the session keeps topped up, so quota limits hold while the session is open.
//
//   BeginAsync: reserve E (one response: the request's estimate, 1024 output tokens by default) ─► the session row holds it
//   response.done, charge C: its row takes min(C, held) of the reservation ─► queued (settled with the next batch)
//                            ─► ReserveSessionAsync: reserve what was taken again; refused: the session ends (insufficient_quota)
//   EndSession: the session row returns what is still held, charges nothing, counts as no request
public sealed partial class RelayPipeline
{
    internal void BillSessionResponse(RelayCall call, RelayAttempt attempt, in TokenUsage usage, bool estimated, string note)
    {
        var session = call.Log;
        var index = ++call.SessionResponses;
        var row = new UsageLog
        {
            CreatedAt = time.GetUtcNow(),
            UserId = session.UserId,
            TokenId = session.TokenId,
            TokenName = session.TokenName,
            ModelName = session.ModelName,
            ChannelId = session.ChannelId,
            ChannelName = session.ChannelName,
            Group = session.Group,
            IsStream = true,
            Ip = session.Ip,
            RequestId = session.RequestId + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            StatusCode = 200,
            Content = note,
        };
        if (estimated)
        {
            RelayMetering.ApplyEstimatedUsage(row, usage, attempt.UpstreamModel, pricing);
        }
        else
        {
            RelayMetering.ApplyUsage(row, usage, attempt.UpstreamModel, pricing);
        }

        // The row settles the part of the session's reservation its charge uses; the rest stays held for the next response.
        var held = session.ReservedQuota;
        row.ReservedQuota = Math.Min(Math.Max(0, row.Quota), held);
        session.ReservedQuota = held - row.ReservedQuota;
        var mark = call.SessionMark == 0 ? call.Started : call.SessionMark;
        call.SessionMark = time.GetTimestamp();
        RelayMetering.Finish(row, call.Request.Token, time, mark, logs);
    }

    internal async ValueTask<RelayError?> ReserveSessionAsync(RelayCall call, CancellationToken cancellationToken)
    {
        var token = call.Request.Token;
        var session = call.Log;
        var missing = call.SessionReserve - session.ReservedQuota;
        if (token is null || !RelayMetering.Reserves(token) || missing <= 0)
        {
            return null;
        }

        var reservation = await RelayMetering.TryReserveAsync(scopes, token.Id, missing, cancellationToken).ConfigureAwait(false);
        if (reservation != QuotaReservation.Reserved)
        {
            return new RelayError(429, RelayErrorKind.InsufficientQuota, RelayMetering.RefusalMessage(reservation, call.SessionReserve), "insufficient_quota");
        }

        session.ReservedQuota += missing;
        return null;
    }
}

