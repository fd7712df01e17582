namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>How an option's text value is validated.</summary>
internal enum OptionKind
{
    /// <summary>Any text.</summary>
    Text,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A non-negative integer.</summary>
    Integer,

    /// <summary>A JSON object whose values are non-negative numbers (ratios).</summary>
    RatioMap,

    /// <summary>A JSON object whose values are strings.</summary>
    TextMap,

    /// <summary>Kept by LlmRelay itself; not listed or writable through <c>/api/option/</c>.</summary>
    Internal,
}
