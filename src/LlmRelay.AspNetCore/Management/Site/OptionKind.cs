namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>How an option's text value is validated.</summary>
internal enum OptionKind
{
    /// <summary>Text of <see cref="OptionDefinition.Min"/> to <see cref="OptionDefinition.Max"/> characters.</summary>
    Text,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A whole number within <see cref="OptionDefinition.Min"/> and <see cref="OptionDefinition.Max"/>.</summary>
    Integer,

    /// <summary>An absolute <c>http</c> or <c>https</c> URL, or empty.</summary>
    Url,

    /// <summary>A JSON object whose values are non-negative numbers (ratios).</summary>
    RatioMap,

    /// <summary>A JSON object whose values are strings.</summary>
    TextMap,

    /// <summary>A JSON object of rate limits shaped like the <c>LlmRelay:RateLimits</c> section (<see cref="LlmRelay.RateLimiting.StoredRateLimitOptions"/>).</summary>
    RateLimits,

    /// <summary>A JSON array kept by LlmRelay's own routes (prefill groups, model metadata, vendors); not listed or writable through <c>/api/option/</c>.</summary>
    Internal,
}
