namespace LlmRelay.RateLimiting;

/// <summary>A requests-per-minute and tokens-per-minute limit over a sliding one-minute window; 0 leaves either unlimited.</summary>
public sealed class RateLimit
{
    /// <summary>Gets or sets how many calls may start in any one-minute window.</summary>
    /// <value>The default value is 0 (unlimited).</value>
    public int RequestsPerMinute { get; set; }

    /// <summary>Gets or sets how many tokens (prompt plus completion, as settled) the completed calls of any one-minute window may use; a call is refused while the window's total has reached it.</summary>
    /// <value>The default value is 0 (unlimited).</value>
    public long TokensPerMinute { get; set; }

    /// <summary>Gets whether neither limit is set.</summary>
    internal bool IsUnlimited => RequestsPerMinute <= 0 && TokensPerMinute <= 0;

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        if (RequestsPerMinute < 0)
        {
            failures.Add($"{section}:RequestsPerMinute must not be negative.");
        }

        if (TokensPerMinute < 0)
        {
            failures.Add($"{section}:TokensPerMinute must not be negative.");
        }
    }
}
