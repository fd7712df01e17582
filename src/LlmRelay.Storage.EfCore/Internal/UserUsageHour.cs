using LlmRelay.Usage;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>One hour of one user's <c>usage_logs</c> rows summed per type and model: a row of the <c>usage_user_hours</c> rollup.</summary>
/// <remarks>
/// Maintained exactly like <see cref="UsageHour"/>; serves the user's totals, sums and hourly series (<c>/api/log/self/stat</c>,
/// <c>/api/data/self</c>, and the admin routes filtered by user name) over long ranges, which a single busy user's rows
/// would otherwise make as slow as the whole table.
/// </remarks>
internal sealed class UserUsageHour : IUsageHourRow
{
    /// <summary>Gets or sets the user id.</summary>
    public long UserId { get; set; }

    /// <summary>Gets or sets the start of the hour (UTC) in Unix milliseconds.</summary>
    public long Hour { get; set; }

    /// <summary>Gets or sets the rows' type.</summary>
    public UsageLogType Type { get; set; }

    /// <summary>Gets or sets the rows' model name.</summary>
    public string ModelName { get; set; } = "";

    /// <summary>Gets or sets the number of rows.</summary>
    public long LogCount { get; set; }

    /// <summary>Gets or sets the sum of the rows' quota.</summary>
    public long Quota { get; set; }

    /// <summary>Gets or sets the sum of the rows' prompt tokens.</summary>
    public long PromptTokens { get; set; }

    /// <summary>Gets or sets the sum of the rows' completion tokens.</summary>
    public long CompletionTokens { get; set; }
}
