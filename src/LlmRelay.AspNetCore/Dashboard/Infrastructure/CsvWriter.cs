using System.Text;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Writes RFC 4180 CSV rows; text cells that a spreadsheet would run as a formula are prefixed with an apostrophe.</summary>
internal static class CsvWriter
{
    /// <summary>Appends one row (ending with CRLF) to <paramref name="builder"/>.</summary>
    /// <param name="builder">Where the row goes.</param>
    /// <param name="cells">The cells: strings are text (quoted when needed, formula-guarded), anything else is written invariant as it is.</param>
    public static void AppendRow(StringBuilder builder, params object?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            switch (cells[i])
            {
                case null:
                    break;
                case string text:
                    AppendText(builder, text);
                    break;
                case IFormattable number:
                    builder.Append(number.ToString(null, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case var other:
                    AppendText(builder, other.ToString() ?? "");
                    break;
            }
        }

        builder.Append("\r\n");
    }

    private static void AppendText(StringBuilder builder, string text)
    {
        // A model name or message such as "=HYPERLINK(...)" must open as text, not run (CSV injection).
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            builder.Append(text);
            return;
        }

        builder.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
