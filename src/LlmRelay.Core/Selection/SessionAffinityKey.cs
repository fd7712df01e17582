namespace LlmRelay.Selection;

/// <summary>Identifies one session of one gateway token for <see cref="ISessionAffinityStore"/>.</summary>
/// <remarks>
/// The token is part of the key, so one caller's session id never steers another caller's traffic. A session named by
/// the caller (<c>x-claude-code-session-id</c>, Codex's <c>session_id</c>, <c>prompt_cache_key</c>) is kept per model,
/// since provider prompt caches are per model and a session may use several (a small model for titles, a large one for
/// the work); a <c>/v1/responses</c> id is kept with an empty <see cref="Model"/>, as a <c>previous_response_id</c> chain
/// must stay with the upstream account that stored the response whatever model it names next.
/// </remarks>
/// <param name="TokenId">The id of the gateway token, or 0 for the in-process identity.</param>
/// <param name="Model">The routing model of a caller-named session; empty for a response id.</param>
/// <param name="Session">The session id or response id (at most 128 characters: longer ids are replaced by their SHA-256 digest).</param>
public readonly record struct SessionAffinityKey(long TokenId, string Model, string Session);
