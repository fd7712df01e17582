using LlmRelay.Usage;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>One hour of <c>usage_logs</c> rows summed per type, model, channel and group: a row of the <c>usage_hours</c> rollup.</summary>
/// <remarks>
/// Written in the same transaction as the rows it sums (<see cref="UsageRollup"/>), and reduced in the same transaction as
/// rows are deleted, so it always equals <c>GROUP BY</c> over <c>usage_logs</c>. It serves the unfiltered and the model,
/// channel and group filtered totals, sums and hourly series over long ranges (see <see cref="EfUsageLogQueries"/>).
/// </remarks>
internal sealed class UsageHour : IUsageHourRow
{
    /// <summary>Gets or sets the start of the hour (UTC) in Unix milliseconds: <c>created_at - created_at % 3600000</c>.</summary>
    public long Hour { get; set; }

    /// <summary>Gets or sets the rows' type.</summary>
    public UsageLogType Type { get; set; }

    /// <summary>Gets or sets the rows' model name.</summary>
    public string ModelName { get; set; } = "";

    /// <summary>Gets or sets the rows' channel id.</summary>
    public long ChannelId { get; set; }

    /// <summary>Gets or sets the rows' group.</summary>
    public string Group { get; set; } = "";

    /// <summary>Gets or sets the number of rows.</summary>
    public long LogCount { get; set; }

    /// <summary>Gets or sets the sum of the rows' quota.</summary>
    public long Quota { get; set; }

    /// <summary>Gets or sets the sum of the rows' prompt tokens.</summary>
    public long PromptTokens { get; set; }

    /// <summary>Gets or sets the sum of the rows' completion tokens.</summary>
    public long CompletionTokens { get; set; }
}
