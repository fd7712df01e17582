namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>The admin password as stored after <c>POST /admin/settings/password</c>: a PBKDF2 hash, never the password.</summary>
/// <param name="Hash">PBKDF2-SHA256 of the password.</param>
/// <param name="Salt">The random salt.</param>
/// <param name="Version">The password version; JWTs carry it and stop being valid when it changes.</param>
/// <param name="ConfigKeyHash">SHA-256 of <c>LlmRelay:Admin:Key</c> when the password was changed; a different configured key discards this state.</param>
internal sealed record AdminPasswordState(byte[] Hash, byte[] Salt, int Version, string ConfigKeyHash);
