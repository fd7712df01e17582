using LlmRelay.Formats;
using LlmRelay.Pricing;
using LlmRelay.Tokens;
using LlmRelay.Usage;

namespace LlmRelay.Client;

/// <summary>Turns reported usage into a priced <see cref="UsageLog"/> and closes the row, exactly as the HTTP relay does.</summary>
/// <remarks>Thread-safe (pure apart from the token's atomic charge).</remarks>
internal static class RelayMetering
{
    /// <summary>Fills the token counts, the quota and the <c>other</c> pricing detail of <paramref name="log"/>.</summary>
    /// <remarks>Prices by the caller's model name when the table knows it (operators price their aliases), else by the upstream's.</remarks>
    public static void ApplyUsage(UsageLog log, in TokenUsage usage, string upstreamModel, ModelPricing pricing)
    {
        log.PromptTokens = (int)Math.Min(int.MaxValue, usage.InputTokens);
        log.CompletionTokens = (int)Math.Min(int.MaxValue, usage.OutputTokens);
        if (!pricing.TryResolve(log.ModelName, out var price))
        {
            price = pricing.Resolve(upstreamModel);
        }

        var groupRatio = pricing.GroupRatio(log.Group);
        log.Quota = QuotaCalculator.Compute(usage, price, groupRatio);
        log.Other = string.Create(System.Globalization.CultureInfo.InvariantCulture, $$"""{"model_ratio":{{price.ModelRatio}},"completion_ratio":{{price.CompletionRatio}},"group_ratio":{{groupRatio}},"cached_tokens":{{usage.CachedInputTokens}},"cache_creation_tokens":{{usage.CacheCreationInputTokens}},"reasoning_tokens":{{usage.ReasoningTokens}},"first_byte_ms":{{log.FirstByteMs ?? -1}}}""");
    }

    /// <summary>Marks a stream whose usage never arrived: nothing is charged (issue #5 adds counting for this case).</summary>
    public static void MarkUsageMissing(UsageLog log) => log.Other = """{"usage":"missing"}""";

    /// <summary>Closes the row: elapsed time, error type when nothing was delivered, the token's charge, then the queue.</summary>
    public static void Finish(UsageLog log, TokenEntry? token, TimeProvider time, long started, UsageLogQueue logs)
    {
        log.UseTimeMs = (int)time.GetElapsedTime(started).TotalMilliseconds;
        if (log.Quota == 0 && log.StatusCode != 200)
        {
            log.Type = UsageLogType.Error; // Nothing was delivered, nothing is charged.
        }

        if (log.Type == UsageLogType.Consume && token is { UnlimitedQuota: false })
        {
            token.Charge(log.Quota);
        }

        logs.Enqueue(log);
    }

    /// <summary>Marks a call the caller abandoned.</summary>
    public static void MarkClientClosed(UsageLog log)
    {
        log.StatusCode = 499;
        log.Content = "The client closed the request.";
    }
}
