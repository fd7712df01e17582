using LlmRelay.Formats.PassThrough;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Reads the session a caller names, for session affinity (see <see cref="LlmRelay.Pipeline.RelayRequest.SessionId"/>, issue #16).</summary>
/// <remarks>
/// In order: Claude Code's <c>x-claude-code-session-id</c> header, Codex's <c>session-id</c> header (<c>session_id</c> in
/// releases before 0.171; the same id Codex also sends as <c>prompt_cache_key</c>), then the body's <c>prompt_cache_key</c> (OpenAI Chat Completions and Responses).
/// Gemini CLI sends no session id to the Gemini API. Allocates nothing when the caller names no session.
/// </remarks>
internal static class SessionIdReader
{
    private const string ClaudeCodeHeader = "x-claude-code-session-id";
    private const string CodexHeader = "session-id";
    private const string OlderCodexHeader = "session_id";

    public static string? Read(IHeaderDictionary headers, in OpenAIChatRequestInfo request)
    {
        if (headers.TryGetValue(ClaudeCodeHeader, out var claudeCode) && claudeCode.ToString() is { Length: > 0 } claudeSession)
        {
            return claudeSession;
        }

        if ((headers.TryGetValue(CodexHeader, out var codex) || headers.TryGetValue(OlderCodexHeader, out codex)) && codex.ToString() is { Length: > 0 } codexSession)
        {
            return codexSession;
        }

        return request.PromptCacheKey is { Length: > 0 } key ? key : null;
    }
}
