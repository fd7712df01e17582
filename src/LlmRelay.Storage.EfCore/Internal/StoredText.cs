namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Text as the stores keep it: what a caller sent, made storable the same way for a usage-log row and its rollup key.</summary>
/// <remarks>
/// A .NET string may hold a lone UTF-16 surrogate (a caller's JSON can carry <c>"\ud800"</c>). SQLite's UTF-16 binding
/// pairs it with whatever unit follows, silently changing the next character, and Npgsql refuses it. Both stores
/// therefore keep U+FFFD in its place, as a UTF-8 decoder would. PostgreSQL text also cannot hold U+0000, so on
/// PostgreSQL it is dropped; SQLite keeps it.
/// </remarks>
internal static class StoredText
{
    /// <summary>Returns <paramref name="text"/> as the store keeps it; the same instance when nothing changes (the usual case).</summary>
    /// <param name="text">The text, or <see langword="null"/>.</param>
    /// <param name="dropNul">Whether U+0000 is dropped (PostgreSQL).</param>
    /// <returns>The storable text.</returns>
    public static string? For(string? text, bool dropNul)
    {
        if (text is null)
        {
            return null;
        }

        var nul = dropNul && text.Contains('\0', StringComparison.Ordinal);
        var surrogates = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;
        if (!nul && !surrogates)
        {
            return text;
        }

        if (surrogates)
        {
            // A lone surrogate becomes U+FFFD, one unit for one: the length does not change.
            text = string.Create(text.Length, text, static (destination, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                {
                    var c = source[i];
                    if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
                    {
                        destination[i] = c;
                        destination[i + 1] = source[i + 1];
                        i++;
                    }
                    else
                    {
                        destination[i] = char.IsSurrogate(c) ? '\uFFFD' : c;
                    }
                }
            });
        }

        return nul ? text.Replace("\0", "", StringComparison.Ordinal) : text;
    }
}
