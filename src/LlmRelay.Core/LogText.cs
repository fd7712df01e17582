using System.Buffers;
using System.Globalization;
using System.Text;

namespace LlmRelay;

/// <summary>Escapes caller- and upstream-controlled text before it is written to the log.</summary>
/// <remarks>
/// A user name, model name or upstream error message can carry CR/LF (forging log lines), ESC (ANSI sequences that
/// rewrite a terminal), NUL and other C0/C1 controls, or bidi overrides (text that reads differently than it is). Each of
/// these is written as a visible escape: <c>\r</c>, <c>\n</c>, <c>\t</c>, else <c>\uXXXX</c>; a backslash is left as it is.
/// Text with nothing to escape is returned as is, without allocating.
/// Thread-safe.
/// </remarks>
public static class LogText
{
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(BuildUnsafe());

    /// <summary>Returns <paramref name="text"/> with control and bidi-control characters escaped; <see langword="null"/> stays <see langword="null"/>.</summary>
    /// <param name="text">The text to escape, or <see langword="null"/>.</param>
    /// <returns>The escaped text; <paramref name="text"/> itself when nothing needed escaping.</returns>
    public static string? Escape(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var first = text.AsSpan().IndexOfAny(Unsafe);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!Unsafe.Contains(c))
            {
                builder.Append(c);
                continue;
            }

            _ = c switch
            {
                '\r' => builder.Append("\\r"),
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                _ => builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)),
            };
        }

        return builder.ToString();
    }

    private static string BuildUnsafe()
    {
        var chars = new StringBuilder();
        for (var c = '\0'; c <= '\u009F'; c++)
        {
            if (char.IsControl(c))
            {
                chars.Append(c);
            }
        }

        // Bidi marks, embeddings, overrides and isolates; the Arabic letter mark; line and paragraph separators.
        chars.Append("\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u061C\u2028\u2029");
        return chars.ToString();
    }
}
