namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>Whether the caller passed secure verification recently, and until when (Unix seconds, 0 when not).</summary>
internal sealed record VerifyStatusView(bool Verified, long ExpiresAt);
