using LlmRelay.Usage;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>What the two hourly rollups (<see cref="UsageHour"/>, <see cref="UserUsageHour"/>) share, so one query shape serves both.</summary>
internal interface IUsageHourRow
{
    /// <summary>Gets the start of the hour (UTC) in Unix milliseconds.</summary>
    long Hour { get; }

    /// <summary>Gets the rows' type.</summary>
    UsageLogType Type { get; }

    /// <summary>Gets the rows' model name.</summary>
    string ModelName { get; }

    /// <summary>Gets the number of rows.</summary>
    long LogCount { get; }

    /// <summary>Gets the sum of the rows' quota.</summary>
    long Quota { get; }

    /// <summary>Gets the sum of the rows' prompt tokens.</summary>
    long PromptTokens { get; }

    /// <summary>Gets the sum of the rows' completion tokens.</summary>
    long CompletionTokens { get; }
}
