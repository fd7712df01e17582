namespace LlmRelay.RateLimiting;

/// <summary>One counter a call is checked against: its key in the limiter store and its limits.</summary>
/// <param name="Key">The counter's key, such as <c>t:42</c> (gateway key 42) or <c>m:gpt-4o:t:42</c>.</param>
/// <param name="RequestsPerMinute">The calls allowed to start in any one-minute window; 0 for unlimited.</param>
/// <param name="TokensPerMinute">The settled tokens allowed in any one-minute window; 0 for unlimited.</param>
public readonly record struct RateLimitRule(string Key, int RequestsPerMinute, long TokensPerMinute);
