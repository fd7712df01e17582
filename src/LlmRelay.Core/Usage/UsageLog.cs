namespace LlmRelay.Usage;

/// <summary>One row of the usage log: a relayed call, a top-up, an error or an administrative event.</summary>
public sealed class UsageLog
{
    /// <summary>Gets or sets the store-assigned identifier.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets when the event happened.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Gets or sets the kind of entry.</summary>
    public UsageLogType Type { get; set; } = UsageLogType.Consume;

    /// <summary>Gets or sets the user the entry belongs to, or 0 when none.</summary>
    public long UserId { get; set; }

    /// <summary>Gets or sets the token used, or 0 when none.</summary>
    public long TokenId { get; set; }

    /// <summary>Gets or sets the name of the token used.</summary>
    public string TokenName { get; set; } = "";

    /// <summary>Gets or sets the model the caller asked for.</summary>
    public string ModelName { get; set; } = "";

    /// <summary>Gets or sets the channel that served the call, or 0 when none did.</summary>
    public long ChannelId { get; set; }

    /// <summary>Gets or sets the name of the channel that served the call.</summary>
    public string ChannelName { get; set; } = "";

    /// <summary>Gets or sets the group the call was routed in.</summary>
    public string Group { get; set; } = "";

    /// <summary>Gets or sets the quota charged (or credited, for top-ups).</summary>
    public long Quota { get; set; }

    /// <summary>Gets or sets the quota reserved before the upstream call, from the token and from its user (when it has one); settling the row returns it to both.</summary>
    /// <remarks>
    /// Not stored: <see cref="Storage.IUsageLogStore.AppendAsync(IReadOnlyList{UsageLog}, IReadOnlyCollection{QuotaSettlement}, CancellationToken)"/>
    /// moves the token's and the user's balances by <see cref="Quota"/> minus this. 0 when nothing was reserved (an unlimited token
    /// without a user), so that the charge is taken whole.
    /// </remarks>
    public long ReservedQuota { get; set; }

    /// <summary>Gets or sets the prompt tokens.</summary>
    public int PromptTokens { get; set; }

    /// <summary>Gets or sets the completion tokens.</summary>
    public int CompletionTokens { get; set; }

    /// <summary>Gets or sets the total time the call took, in milliseconds.</summary>
    public int UseTimeMs { get; set; }

    /// <summary>Gets or sets the time to the first byte of the upstream answer, in milliseconds, or <see langword="null"/> when none arrived.</summary>
    public int? FirstByteMs { get; set; }

    /// <summary>Gets or sets a value indicating whether the call streamed its answer.</summary>
    public bool IsStream { get; set; }

    /// <summary>Gets or sets the HTTP status code returned to the caller.</summary>
    public int StatusCode { get; set; }

    /// <summary>Gets or sets a human-readable description (an error message for failed calls).</summary>
    public string Content { get; set; } = "";

    /// <summary>Gets or sets the caller's IP address.</summary>
    public string Ip { get; set; } = "";

    /// <summary>Gets or sets the request identifier.</summary>
    public string RequestId { get; set; } = "";

    /// <summary>Gets or sets the pricing detail (ratios, cache tokens, whether usage was estimated), stored as the JSON text of the <c>other</c> column.</summary>
    /// <value>The default value is <see cref="UsageDetails.None"/> (stored as the empty string).</value>
    public UsageDetails Other { get; set; } = UsageDetails.None;
}
