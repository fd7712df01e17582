using LlmRelay.Tokens;

namespace LlmRelay.AspNetCore.Management.Tokens;

/// <summary>A token just created, with its full key, which is shown this once and never stored.</summary>
/// <param name="Token">The stored token (its key only as hash and hint).</param>
/// <param name="Key">The full key (<c>sk-...</c>).</param>
internal sealed record TokenCreated(ApiToken Token, string Key);
