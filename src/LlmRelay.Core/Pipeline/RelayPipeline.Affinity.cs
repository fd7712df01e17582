using System.Security.Cryptography;
using System.Text;
using LlmRelay.Selection;
using LlmRelay.Usage;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Pipeline;

// Session affinity (issue #16): a call that names its session, or continues a previous_response_id chain, goes first to
// the channel and key that served it last, while that channel is eligible; whichever channel answers is remembered.
//
//   LoadAffinityAsync (once per call) ─► call.Sticky ─► ChannelSelector prefers it within the first usable tier
//     ─► its key when healthy ─► send; a failure fails over as for any channel (affinity never blocks failover)
//   RememberAffinityAsync (a channel answered) ─► the row's "affinity": hit | moved | miss ─► the session now points there
//   RecordResponseIdAsync (the adapter read the answer's id) ─► the response id points there, for the chain's next call
//
// A store that fails (a shared cache that is down) costs the call its affinity, never the call itself.
public sealed partial class RelayPipeline
{
    /// <summary>The longest session or response id kept as it is; a longer one is kept as its SHA-256 digest, so entries stay small.</summary>
    internal const int MaxAffinityIdLength = 128;

    private async ValueTask LoadAffinityAsync(RelayCall call, CancellationToken cancellationToken)
    {
        call.AffinityLoaded = true;
        var request = call.Request;
        if (!UsesAffinity(request))
        {
            return;
        }

        var tokenId = request.Token?.Id ?? 0;
        try
        {
            // A chain must stay with the upstream account that stored its previous response: that entry comes first.
            if (request.PreviousResponseId is { Length: > 0 } previous)
            {
                call.Sticky = await affinity.GetAsync(new SessionAffinityKey(tokenId, "", AffinityId(previous)), cancellationToken).ConfigureAwait(false);
            }

            if (call.Sticky is null && request.SessionId is { Length: > 0 } session)
            {
                call.Sticky = await affinity.GetAsync(new SessionAffinityKey(tokenId, request.RoutingModel, AffinityId(session)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.MarkClientClosed();
            throw;
        }
#pragma warning disable CA1031 // Whatever the store throws, the call is routed without affinity.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAffinityStoreFailed(logger, ex);
        }
    }

    // A channel answered (or an in-process channel is about to be called): the row says what affinity did, the session points here.
    private async ValueTask RememberAffinityAsync(RelayCall call, RelayAttempt attempt, CancellationToken cancellationToken)
    {
        var target = new SessionAffinityTarget(attempt.Channel.Id, attempt.KeyIndex);
        call.Served = target;
        var request = call.Request;
        if (!UsesAffinity(request))
        {
            return;
        }

        call.Log.Other = call.Sticky is not { } sticky ? UsageDetails.AffinityMissed
            : sticky == target ? UsageDetails.AffinityHit
            : UsageDetails.AffinityMoved;
        if (request.SessionId is not { Length: > 0 } session)
        {
            return;
        }

        await SetAffinityAsync(new SessionAffinityKey(request.Token?.Id ?? 0, request.RoutingModel, AffinityId(session)), target, cancellationToken).ConfigureAwait(false);
    }

    internal ValueTask RecordResponseIdAsync(RelayCall call, string responseId, CancellationToken cancellationToken) =>
        _options.SessionAffinity.Enabled && call.Served is { } target && !string.IsNullOrEmpty(responseId)
            ? SetAffinityAsync(new SessionAffinityKey(call.Request.Token?.Id ?? 0, "", AffinityId(responseId)), target, cancellationToken)
            : default;

    private async ValueTask SetAffinityAsync(SessionAffinityKey key, SessionAffinityTarget target, CancellationToken cancellationToken)
    {
        try
        {
            await affinity.SetAsync(key, target, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller left; the adapter sees it next. Not remembering this session costs nothing more.
        }
#pragma warning disable CA1031 // Whatever the store throws, the answer is still delivered.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAffinityStoreFailed(logger, ex);
        }
    }

    private bool UsesAffinity(RelayRequest request) =>
        _options.SessionAffinity.Enabled && (request.SessionId is { Length: > 0 } || request.PreviousResponseId is { Length: > 0 });

    /// <summary>Returns <paramref name="id"/> as stored: as it is up to <see cref="MaxAffinityIdLength"/> characters, else its SHA-256 digest in hex.</summary>
    internal static string AffinityId(string id)
    {
        if (id.Length <= MaxAffinityIdLength)
        {
            return id;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(id), digest);
        return Convert.ToHexString(digest);
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "The session affinity store failed; the call is routed without affinity.")]
    private static partial void LogAffinityStoreFailed(ILogger logger, Exception exception);
}
