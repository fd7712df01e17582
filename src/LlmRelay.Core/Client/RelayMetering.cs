using System.Text.Json;
using LlmRelay.Formats;
using LlmRelay.Pricing;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Client;

/// <summary>Turns reported usage into a priced <see cref="UsageLog"/> and closes the row, exactly as the HTTP relay does.</summary>
/// <remarks>
/// The ledger of one call: <see cref="EstimateReservation"/> and <see cref="TryReserveAsync"/> before the upstream call,
/// then <see cref="Finish"/> exactly once, whose row settles the reservation to the real charge.
/// Thread-safe (pure apart from the token's atomic charge and the store's conditional update).
/// </remarks>
internal static class RelayMetering
{
    /// <summary>The output tokens reserved when the caller sets no maximum (new-api pre-consumes a fixed amount likewise).</summary>
    public const int DefaultReservedOutputTokens = 1024;

    /// <summary>Returns a cheap upper bound of a call's quota: the estimated prompt plus the maximum output, at the call's price and group ratio.</summary>
    /// <remarks>Prices by the caller's model name when the table knows it, else by the routed model's, as <see cref="ApplyUsage"/> does.</remarks>
    /// <param name="pricing">The price table.</param>
    /// <param name="group">The token's group.</param>
    /// <param name="requestedModel">The model the caller asked for.</param>
    /// <param name="routingModel">The model after global aliases.</param>
    /// <param name="estimatedPromptTokens">The estimated prompt tokens.</param>
    /// <param name="maxOutputTokens">The caller's output limit, or 0 or less when none was set.</param>
    /// <param name="units">The units the call asks for (<see cref="Pipeline.RelayRequest.EstimatedUnits"/>), reserved at their unit price when the model is billed by <paramref name="unit"/>.</param>
    /// <param name="unit">The unit the call counts, or <see cref="BillingUnit.Token"/>.</param>
    /// <param name="variant">The variant the units are priced at, or <see langword="null"/>.</param>
    public static long EstimateReservation(ModelPricing pricing, string group, string requestedModel, string routingModel, int estimatedPromptTokens, int maxOutputTokens, long units = 0, BillingUnit unit = BillingUnit.Token, string? variant = null)
    {
        if (!pricing.TryResolve(requestedModel, out var price))
        {
            price = pricing.Resolve(routingModel);
        }

        if (price.PriceOf(unit, variant) is { } unitPrice)
        {
            return QuotaCalculator.ComputeUnits(Math.Max(1, units), unitPrice, pricing.GroupRatio(group));
        }

        return QuotaCalculator.EstimateReservation(
            estimatedPromptTokens,
            maxOutputTokens > 0 ? maxOutputTokens : DefaultReservedOutputTokens,
            price,
            pricing.GroupRatio(group));
    }

    /// <summary>Returns whether a call with <paramref name="token"/> reserves quota: a limited token, or any token with a user (whose quota is the wallet).</summary>
    /// <remarks>An unlimited token without a user (a configuration token) reserves nothing, so its calls make no database call before the upstream.</remarks>
    public static bool Reserves(TokenEntry token) => !token.UnlimitedQuota || token.UserId != 0;

    /// <summary>Takes <paramref name="amount"/> from the token's stored balance and its user's, both or neither (one atomic step).</summary>
    /// <returns><see cref="QuotaReservation.Reserved"/> when reserved: the call's row must then carry it in <see cref="UsageLog.ReservedQuota"/>.</returns>
    public static async ValueTask<QuotaReservation> TryReserveAsync(IServiceScopeFactory scopes, long tokenId, long amount, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await scope.ServiceProvider.GetRequiredService<ITokenStore>().TryReserveQuotaAsync(tokenId, amount, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns the caller-facing message for a refused reservation of <paramref name="amount"/>.</summary>
    public static string RefusalMessage(QuotaReservation reservation, long amount) => reservation == QuotaReservation.UserInsufficient
        ? $"The quota of the user who owns this API key does not cover this request (up to {amount} quota)."
        : $"This API key's remaining quota does not cover this request (up to {amount} quota).";

    /// <summary>Fills the token counts, the quota and the <c>other</c> pricing detail of <paramref name="log"/>.</summary>
    /// <remarks>Prices by the caller's model name when the table knows it (operators price their aliases), else by the upstream's.</remarks>
    public static void ApplyUsage(UsageLog log, in TokenUsage usage, string upstreamModel, ModelPricing pricing) =>
        PriceUsage(log, usage, upstreamModel, pricing, estimated: false);

    /// <summary>Fills <paramref name="log"/> for a call that counted <paramref name="units"/> of <paramref name="unit"/> (images, calls, search units; issue #17).</summary>
    /// <remarks>
    /// A model priced by that unit is billed <c>units x unit price (of the variant) x 500,000 x group ratio</c>, its tokens kept
    /// on the row for information; any other model is billed by <paramref name="usage"/> as <see cref="ApplyUsage"/> does
    /// (estimated when <paramref name="estimated"/>). Either way the row's details carry the unit, the count and the variant;
    /// a unit-priced row whose count the gateway estimated (<paramref name="unitsEstimated"/>) says <c>"usage":"estimated"</c>.
    /// </remarks>
    public static void ApplyUnits(UsageLog log, BillingUnit unit, long units, string? variant, in TokenUsage usage, bool estimated, string upstreamModel, ModelPricing pricing, bool unitsEstimated = false)
    {
        if (!pricing.TryResolve(log.ModelName, out var price))
        {
            price = pricing.Resolve(upstreamModel);
        }

        if (price.PriceOf(unit, variant) is not { } unitPrice)
        {
            PriceUsage(log, usage, upstreamModel, pricing, estimated, unit, units, variant);
            return;
        }

        log.PromptTokens = (int)Math.Min(int.MaxValue, usage.InputTokens);
        log.CompletionTokens = (int)Math.Min(int.MaxValue, usage.OutputTokens);
        var groupRatio = pricing.GroupRatio(log.Group);
        log.Quota = QuotaCalculator.ComputeUnits(units, unitPrice, groupRatio);
        log.Other = new UsageDetails
        {
            GroupRatio = groupRatio,
            FirstByteMs = log.FirstByteMs ?? -1,
            Affinity = log.Other.Affinity,
            TaskId = log.Other.TaskId,
            BillingUnit = UsageDetails.UnitName(unit),
            Units = units,
            UnitVariant = variant,
            UnitPrice = unitPrice,
            IsUsageEstimated = unitsEstimated,
        };
    }

    private static void PriceUsage(UsageLog log, in TokenUsage usage, string upstreamModel, ModelPricing pricing, bool estimated, BillingUnit unit = BillingUnit.Token, long units = 0, string? variant = null)
    {
        log.PromptTokens = (int)Math.Min(int.MaxValue, usage.InputTokens);
        log.CompletionTokens = (int)Math.Min(int.MaxValue, usage.OutputTokens);
        if (!pricing.TryResolve(log.ModelName, out var price))
        {
            price = pricing.Resolve(upstreamModel);
        }

        var groupRatio = pricing.GroupRatio(log.Group);
        log.Quota = QuotaCalculator.Compute(usage, price, groupRatio);
        var counted = unit == BillingUnit.Token ? null : UsageDetails.UnitName(unit);
        long? count = counted is null ? null : units;
        var countedVariant = counted is null ? null : variant;
        log.Other = price.FixedPrice is { } fixedPrice
            ? new UsageDetails { ModelPrice = fixedPrice, GroupRatio = groupRatio, FirstByteMs = log.FirstByteMs ?? -1, IsUsageEstimated = estimated, Affinity = log.Other.Affinity, TaskId = log.Other.TaskId, BillingUnit = counted, Units = count, UnitVariant = countedVariant }
            : new UsageDetails
            {
                ModelRatio = price.ModelRatio,
                CompletionRatio = price.CompletionRatio,
                CacheRatio = price.CacheReadRatio,
                CacheCreationRatio = price.CacheWrite5mRatio,
                CacheCreation1hRatio = price.CacheWrite1hRatio,
                GroupRatio = groupRatio,
                CachedTokens = usage.CachedInputTokens,
                CacheCreationTokens = usage.CacheCreationInputTokens,
                CacheCreation1hTokens = usage.CacheCreation1hInputTokens,
                ReasoningTokens = usage.ReasoningTokens,
                FirstByteMs = log.FirstByteMs ?? -1,
                IsUsageEstimated = estimated,
                Affinity = log.Other.Affinity,
                TaskId = log.Other.TaskId,
                BillingUnit = counted,
                Units = count,
                UnitVariant = countedVariant,
            };
    }

    /// <summary>Returns whether <paramref name="usage"/> is empty: the upstream reported no usage (a converter yields zeros then).</summary>
    public static bool IsMissing(in TokenUsage usage) => usage.InputTokens == 0 && usage.OutputTokens == 0 && usage.TotalTokens == 0;

    /// <summary>Estimates the usage of a call whose upstream reported none, from the body sent upstream and the completion tokens counted.</summary>
    /// <remarks>
    /// The one estimate of the HTTP relay and <see cref="RelayChatClient"/>. The prompt is counted with <paramref name="counter"/>;
    /// should counting fail (a body that is not valid UTF-8 or JSON), the byte estimate <see cref="ITokenCounter.EstimateFromBytes"/>
    /// stands in: counting never fails a settlement.
    /// </remarks>
    /// <param name="counter">The token counter.</param>
    /// <param name="upstreamModel">The model the upstream was asked for (picks the encoding).</param>
    /// <param name="upstreamBody">The request body sent upstream.</param>
    /// <param name="completionTokens">The completion tokens: <see cref="CountAnswer"/> or <see cref="StreamCompletionTokens"/>.</param>
    public static TokenUsage Estimate(ITokenCounter counter, string upstreamModel, ReadOnlySpan<byte> upstreamBody, long completionTokens)
    {
        long prompt;
        try
        {
            prompt = counter.CountRequest(upstreamModel, upstreamBody);
        }
#pragma warning disable CA1031 // Whatever the counter throws, the call is still settled, from the byte estimate.
        catch (Exception)
#pragma warning restore CA1031
        {
            prompt = ITokenCounter.EstimateFromBytes(upstreamBody.Length);
        }

        return new TokenUsage { InputTokens = prompt, OutputTokens = completionTokens, TotalTokens = prompt + completionTokens };
    }

    /// <summary>Returns the completion tokens of a stream without usage: the SSE data events delivered, less the opening and closing ones (one chunk carries about one token).</summary>
    public static long StreamCompletionTokens(long dataEvents) => Math.Max(0, dataEvents - 2);

    /// <summary>Counts the completion tokens of a non-stream answer without usage, from its text in any family.</summary>
    /// <remarks>
    /// The text is every string under <c>content</c>, <c>text</c>, <c>refusal</c>, <c>arguments</c>, <c>thinking</c> or
    /// <c>reasoning_content</c>, and every tool-call argument object (<c>input</c>, <c>args</c>) as JSON: OpenAI Chat and
    /// Responses, Anthropic and Gemini answers alike. Should reading or counting fail, the answer's bytes / 3 stand in.
    /// </remarks>
    public static long CountAnswer(ITokenCounter counter, string upstreamModel, ReadOnlySpan<byte> answer)
    {
        try
        {
            var text = new System.Text.StringBuilder();
            var reader = new Utf8JsonReader(answer);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var textKey = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("refusal"u8)
                    || reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("reasoning_content"u8);
                var argumentsKey = reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("args"u8);
                reader.Read();
                if (textKey && reader.TokenType == JsonTokenType.String)
                {
                    text.Append(reader.GetString()).Append('\n');
                }
                else if (argumentsKey && reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    text.Append(System.Text.Encoding.UTF8.GetString(answer[start..((int)reader.BytesConsumed)])).Append('\n');
                }
            }

            return text.Length == 0 ? 0 : CountText(counter, upstreamModel, text.ToString(0, text.Length - 1));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON, or a string that is not valid UTF-8.
            return answer.Length / 3;
        }
    }

    /// <summary>Counts the tokens of completion text; should counting fail, its UTF-8 bytes / 3 stand in.</summary>
    public static long CountText(ITokenCounter counter, string upstreamModel, string text)
    {
        try
        {
            return counter.CountCompletionText(upstreamModel, text);
        }
#pragma warning disable CA1031 // Whatever the counter throws, the call is still settled, from the byte estimate.
        catch (Exception)
#pragma warning restore CA1031
        {
            return System.Text.Encoding.UTF8.GetByteCount(text) / 3;
        }
    }

    /// <summary>Prices an estimated usage like <see cref="ApplyUsage"/> and marks the row's <see cref="UsageLog.Other"/> with <see cref="UsageDetails.IsUsageEstimated"/> (<c>"usage":"estimated"</c>).</summary>
    public static void ApplyEstimatedUsage(UsageLog log, in TokenUsage usage, string upstreamModel, ModelPricing pricing) =>
        PriceUsage(log, usage, upstreamModel, pricing, estimated: true);

    /// <summary>Closes the row: elapsed time, error type when nothing was delivered, the token's charge, then the queue.</summary>
    public static void Finish(UsageLog log, TokenEntry? token, TimeProvider time, long started, UsageLogQueue logs)
    {
        Close(log, token, time, started);
        logs.Enqueue(log);
    }

    /// <summary>Closes the row like <see cref="Finish"/> and returns a task that completes once the queued row is stored (<see cref="UsageLogQueue.EnqueueAndWaitAsync"/>).</summary>
    public static Task FinishAndWaitAsync(UsageLog log, TokenEntry? token, TimeProvider time, long started, UsageLogQueue logs)
    {
        Close(log, token, time, started);
        return logs.EnqueueAndWaitAsync(log);
    }

    private static void Close(UsageLog log, TokenEntry? token, TimeProvider time, long started)
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
    }

    /// <summary>Marks a call the caller abandoned.</summary>
    public static void MarkClientClosed(UsageLog log)
    {
        log.StatusCode = 499;
        log.Content = "The client closed the request.";
    }
}
