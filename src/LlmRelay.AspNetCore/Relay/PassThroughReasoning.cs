using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>
/// Takes OpenAI reasoning controls out of a passed-through Chat Completions or Responses body bound for a model that has
/// none (capability <c>Reasoning: None</c>, such as gpt-4.1 or gpt-4o): OpenAI refuses <c>reasoning</c>,
/// <c>reasoning_effort</c> and the <c>reasoning.encrypted_content</c> include for them, and Codex sends all three (issue #16).
/// </summary>
/// <remarks>
/// A byte search decides; only a body that names a reasoning field is parsed and rewritten, so bodies without one cost a
/// vectorised scan and nothing else. The rewritten body is then patched (model, stream usage) like any passed-through body.
/// </remarks>
internal static class PassThroughReasoning
{
    private const string EncryptedReasoning = "reasoning.encrypted_content";

    /// <summary>Returns whether <paramref name="body"/> may name a reasoning field (a cheap over-approximation).</summary>
    public static bool MayHave(ReadOnlySpan<byte> body) => body.IndexOf("\"reasoning"u8) >= 0;

    /// <summary>Writes <paramref name="body"/> without its reasoning controls to <paramref name="output"/>; returns <see langword="false"/> (writing nothing) when it has none.</summary>
    public static bool TryRemove(ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        if (JsonNode.Parse(body) is not JsonObject node)
        {
            return false;
        }

        var changed = node.Remove("reasoning") | node.Remove("reasoning_effort");
        if (node["include"] is JsonArray include)
        {
            for (var i = include.Count - 1; i >= 0; i--)
            {
                if (include[i] is JsonValue value && value.TryGetValue<string>(out var name) && name == EncryptedReasoning)
                {
                    include.RemoveAt(i);
                    changed = true;
                }
            }

            if (include.Count == 0)
            {
                node.Remove("include");
            }
        }

        if (!changed)
        {
            return false;
        }

        using var writer = new Utf8JsonWriter(output);
        node.WriteTo(writer);
        return true;
    }
}
