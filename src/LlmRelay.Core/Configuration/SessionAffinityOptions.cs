namespace LlmRelay.Configuration;

/// <summary>Options for session affinity, bound to the <c>LlmRelay:SessionAffinity</c> configuration section.</summary>
/// <remarks>
/// A call that names its session (the <c>x-claude-code-session-id</c> header of Claude Code, the <c>session_id</c> header
/// of Codex, a <c>prompt_cache_key</c> in an OpenAI body) or continues a <c>previous_response_id</c> chain goes first to
/// the channel and key that served the session last, so the provider's prompt cache keeps hitting. Affinity never blocks
/// failover: the remembered channel is skipped when it is not eligible, a failure there fails over as usual, and the
/// session then stays with the channel that answered (issue #16). Sessions are kept per gateway token.
/// </remarks>
public sealed class SessionAffinityOptions
{
    /// <summary>Gets or sets a value indicating whether calls that name a session prefer the channel that served it last.</summary>
    /// <value>The default value is <see langword="true"/>: calls without a session id are not affected.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how long a session is remembered after a channel last answered it.</summary>
    /// <value>The default value is 1 hour (the longest provider prompt-cache lifetime most callers get).</value>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many sessions the built-in in-memory store remembers; storing one more forgets the least recently used.</summary>
    /// <value>The default value is 100000 (about 30 MB when full of UUID session ids).</value>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its configuration key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        if (Ttl <= TimeSpan.Zero || Ttl > TimeSpan.FromDays(30))
        {
            failures.Add($"{section}:Ttl must be greater than zero and at most 30 days.");
        }

        if (MaxEntries is < 1 or > 10_000_000)
        {
            failures.Add($"{section}:MaxEntries must be between 1 and 10000000.");
        }
    }
}
