namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>The changed admin password as verified in this process: its state and the HMAC of the password under a per-process key.</summary>
/// <param name="State">The password state the HMAC belongs to; a different state (changed again, reloaded) is verified anew.</param>
/// <param name="Mac">HMAC-SHA256 of the password, never written anywhere.</param>
internal sealed record VerifiedPassword(AdminPasswordState State, byte[] Mac);
