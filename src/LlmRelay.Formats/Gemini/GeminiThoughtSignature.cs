using System.Buffers;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Gemini;

/// <summary>Carries a Gemini <c>thoughtSignature</c> inside the tool-call id a non-Gemini caller echoes back.</summary>
/// <remarks>
/// <code>
/// Gemini functionCall part { functionCall, thoughtSignature: "Ab+/cd==" }
///   -> caller's call id   "call_r1_0__thought__Ab-_cd"     (OpenAI tool_calls[].id, Anthropic tool_use.id, Responses call_id)
///   -> next request: the id (or Google's extra_content.google.thought_signature) -> thoughtSignature "Ab+/cd==" on the same part
/// </code>
/// Gemini 3 refuses a function call sent back without its signature (issue #16). Every client keeps a call id, while many
/// drop unknown fields such as <c>extra_content</c>, so the id is the one place that survives the round trip (LiteLLM
/// took the same route, with the same <c>__thought__</c> separator). The signature is written in URL-safe base64 without
/// padding so the id stays within <c>[A-Za-z0-9_-]</c>, which Anthropic requires of tool-use ids; reading it back restores
/// the standard alphabet and padding, the exact bytes Gemini sent. A signature that is not base64 is not folded in.
/// </remarks>
internal static class GeminiThoughtSignature
{
    /// <summary>The separator between the call id and the signature.</summary>
    public const string Separator = "__thought__";

    private static readonly SearchValues<char> Base64Chars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    private static readonly SearchValues<byte> Base64Bytes = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    private static ReadOnlySpan<byte> SeparatorUtf8 => "__thought__"u8;

    /// <summary>Returns <paramref name="id"/> with <paramref name="signature"/> folded in, or <paramref name="id"/> when there is nothing to fold.</summary>
    public static string Fold(string id, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || !IsBase64(signature))
        {
            return id;
        }

        return string.Create(id.Length + Separator.Length + signature.TrimEnd('=').Length, (id, signature), static (span, state) =>
        {
            state.id.CopyTo(span);
            Separator.CopyTo(span[state.id.Length..]);
            Span<char> rest = span[(state.id.Length + Separator.Length)..];
            for (int i = 0; i < rest.Length; i++)
            {
                rest[i] = state.signature[i] switch { '+' => '-', '/' => '_', var c => c };
            }
        });
    }

    /// <summary>Writes <c>"id__thought__signature"</c> as a JSON string token: <paramref name="idToken"/> with the signature token folded in.</summary>
    /// <param name="idToken">The call id as a JSON string token, quotes included.</param>
    /// <param name="signatureToken">The signature as a JSON string token, quotes included, or empty.</param>
    /// <param name="scratch">Receives the unescaped signature.</param>
    /// <param name="destination">Receives the folded token.</param>
    /// <returns>Whether a signature was folded in; when not, <paramref name="destination"/> is untouched.</returns>
    public static bool TryFoldToken(ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> signatureToken, PooledBuffer scratch, PooledBuffer destination)
    {
        if (signatureToken.Length <= 2 || idToken.Length < 2)
        {
            return false;
        }

        scratch.Clear();
        Json.AppendUnescaped(signatureToken, scratch);
        ReadOnlySpan<byte> signature = scratch.WrittenSpan;
        if (!IsBase64(signature))
        {
            return false;
        }

        destination.Clear();
        destination.Append(idToken[..^1]);
        destination.Append(SeparatorUtf8);
        signature = signature.TrimEnd((byte)'=');
        Span<byte> target = destination.GetSpan(signature.Length);
        for (int i = 0; i < signature.Length; i++)
        {
            target[i] = signature[i] switch { (byte)'+' => (byte)'-', (byte)'/' => (byte)'_', var b => b };
        }

        destination.Advance(signature.Length);
        destination.Append((byte)'"');
        return true;
    }

    /// <summary>Reads the signature folded into a call id by <see cref="Fold"/> (or LiteLLM's standard-alphabet form), or <see langword="null"/>.</summary>
    public static string? FromId(string? id)
    {
        int at = id is null ? -1 : id.IndexOf(Separator, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        ReadOnlySpan<char> folded = id.AsSpan(at + Separator.Length);
        int padding = (4 - (folded.Length % 4)) % 4;
        if (folded.IsEmpty || padding == 3)
        {
            return null;
        }

        var signature = new char[folded.Length + padding];
        for (int i = 0; i < folded.Length; i++)
        {
            char c = folded[i] switch { '-' => '+', '_' => '/', var other => other };
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '/' or '='))
            {
                return null;
            }

            signature[i] = c;
        }

        signature.AsSpan(folded.Length).Fill('=');
        return new string(signature);
    }

    /// <summary>Returns <paramref name="id"/> without a folded signature.</summary>
    public static string? Strip(string? id)
    {
        int at = id is null ? -1 : id.IndexOf(Separator, StringComparison.Ordinal);
        return at < 0 ? id : id![..at];
    }

    private static bool IsBase64(ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> body = value.TrimEnd('=');
        return !body.IsEmpty && value.Length - body.Length <= 2 && !body.ContainsAnyExcept(Base64Chars);
    }

    private static bool IsBase64(ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> body = value.TrimEnd((byte)'=');
        return !body.IsEmpty && value.Length - body.Length <= 2 && !body.ContainsAnyExcept(Base64Bytes);
    }
}
