using System.Globalization;
using LlmRelay.Configuration;
using LlmRelay.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.RateLimiting;

/// <summary>Applies the requests-per-minute and tokens-per-minute limits to relayed calls, before anything is reserved or sent upstream.</summary>
/// <remarks>
/// <code>
/// RelayPipeline.BeginAsync: model allowed? ─► RelayRateLimiter.TryAcquireAsync ─► quota reserved ─► ...
///     rules of the call: token, user, user in group, token and model (only those with a limit)
///     IRateLimitStore: every rule admits? count the call in all : refuse (429, Retry-After), count it in none
/// RelayCall.Dispose ─► RecordTokens: the settled prompt + completion tokens, to every rule that limits tokens
/// </code>
/// The limits are <c>LlmRelay:RateLimits</c> with the stored option <c>RateLimits</c> layered over them
/// (<see cref="StoredRateLimitOptions"/>). A store that fails (Redis unreachable) admits the call and logs a warning: a
/// limiter outage must not take the relay down with it. Thread-safe; one instance per relay, registered by <c>AddLlmRelay()</c>.
/// </remarks>
public sealed partial class RelayRateLimiter
{
    private readonly RateLimitOptions _configured;
    private readonly IRateLimitStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<RelayRateLimiter> _logger;
    private volatile RateLimitOptions _current;

    internal RelayRateLimiter(IOptions<LlmRelayOptions> options, IRateLimitStore store, TimeProvider time, ILogger<RelayRateLimiter> logger)
    {
        _configured = options.Value.RateLimits;
        _current = _configured;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets the limits in force: configuration with the stored option layered over it.</summary>
    public RateLimitOptions Current => _current;

    /// <summary>Layers the stored option <c>RateLimits</c> over the configured limits; the next call is checked against the result.</summary>
    /// <param name="json">The option's value; <see langword="null"/>, empty or invalid leaves the configured limits.</param>
    public void SetStoredLimits(string? json) => _current = StoredRateLimitOptions.Layer(_configured, json);

    /// <summary>Returns the rules that apply to <paramref name="request"/>, or <see langword="null"/> when none limits it.</summary>
    internal RateLimitRule[]? RulesFor(RelayRequest request)
    {
        var limits = _current;
        if (request.Token is not { } token || limits.IsUnlimited)
        {
            return null;
        }

        var rules = new RateLimitRule[4];
        var count = 0;
        var tokenId = token.Id.ToString(CultureInfo.InvariantCulture);
        if (!limits.Token.IsUnlimited)
        {
            rules[count++] = Rule($"t:{tokenId}", limits.Token);
        }

        if (token.UserId > 0)
        {
            var userId = token.UserId.ToString(CultureInfo.InvariantCulture);
            if (!limits.User.IsUnlimited)
            {
                rules[count++] = Rule($"u:{userId}", limits.User);
            }

            if (limits.Groups.TryGetValue(request.Group, out var group) && !group.IsUnlimited)
            {
                rules[count++] = Rule($"g:{request.Group}:u:{userId}", group);
            }
        }

        if (limits.Models.TryGetValue(request.RequestedModel, out var model) && !model.IsUnlimited)
        {
            rules[count++] = Rule($"m:{request.RequestedModel}:t:{tokenId}", model);
        }

        return count == 0 ? null : count == rules.Length ? rules : rules[..count];
    }

    /// <summary>Admits and counts a call against <paramref name="rules"/>, or refuses it with when to retry.</summary>
    internal async ValueTask<RateLimitDecision> TryAcquireAsync(RateLimitRule[] rules, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.TryAcquireAsync(rules, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStoreFailed(_logger, ex);
            return RateLimitDecision.Admitted;
        }
    }

    /// <summary>Adds a completed call's settled tokens to its rules that limit tokens.</summary>
    internal void RecordTokens(RateLimitRule[] rules, long tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        try
        {
            _store.RecordTokens(rules, tokens, _time.GetUtcNow());
        }
        catch (Exception ex)
        {
            LogStoreFailed(_logger, ex);
        }
    }

    /// <summary>The message a refused caller reads.</summary>
    internal static string RefusalMessage(in RateLimitDecision decision)
    {
        var scope = decision.Key?[0] switch
        {
            'u' => "its user",
            'g' => "its user in this group",
            'm' => "this model",
            _ => "this API key",
        };
        var seconds = Math.Max(1, (long)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        return string.Create(CultureInfo.InvariantCulture, $"Rate limit reached for {scope}; try again in {seconds} s.");
    }

    private static RateLimitRule Rule(string key, RateLimit limit) => new(key, Math.Max(0, limit.RequestsPerMinute), Math.Max(0, limit.TokensPerMinute));

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "The rate-limit store failed; the call is admitted without a rate-limit check.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);
}
