namespace LlmRelay.RateLimiting;

/// <summary>The stored option <c>RateLimits</c> as read: only the scopes it sets are layered over configuration.</summary>
internal sealed class StoredRateLimits
{
    public RateLimit? Token { get; set; }

    public RateLimit? User { get; set; }

    public Dictionary<string, RateLimit>? Groups { get; set; }

    public Dictionary<string, RateLimit>? Models { get; set; }
}
