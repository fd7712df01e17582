namespace LlmRelay.Formats.Internal;

/// <summary>Finds an object-valued property in JSON text by a vectorised byte search, without reading the rest of the document.</summary>
/// <remarks>
/// Inside a JSON string a quote is always escaped, so a quoted name followed by a colon only occurs as a property name.
/// Allocation-free; used to reach the <c>usage</c>/<c>usageMetadata</c> of a body or stream event before the family's usage reader reads it.
/// </remarks>
internal static class JsonLocator
{
    /// <summary>Returns the offset of the <c>{</c> that starts the value of the first property named <paramref name="quotedKey"/>, or -1.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="quotedKey">The property name with its quotes, such as <c>"usage"</c>.</param>
    public static int FindObject(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        var offset = 0;
        while (true)
        {
            var index = json[offset..].IndexOf(quotedKey);
            if (index < 0)
            {
                return -1;
            }

            var position = offset + index + quotedKey.Length;
            position = SkipWhitespace(json, position);
            if (position < json.Length && json[position] == (byte)':')
            {
                position = SkipWhitespace(json, position + 1);
                return position < json.Length && json[position] == (byte)'{' ? position : -1; // -1 for "usage": null
            }

            offset = position;
        }
    }

    /// <summary>Returns the offset of the <c>{</c> that starts the value of the last property named <paramref name="quotedKey"/>, or -1 when that value is not an object.</summary>
    /// <remarks>
    /// For bodies where raw JSON supplied by the model (Anthropic <c>tool_use.input</c>, Gemini <c>functionCall.args</c>)
    /// comes before the upstream's own usage: a property of the same name inside such an object is never the last one.
    /// </remarks>
    /// <param name="json">The JSON text.</param>
    /// <param name="quotedKey">The property name with its quotes, such as <c>"usage"</c>.</param>
    public static int FindLastObject(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        var end = json.Length;
        while (true)
        {
            var index = json[..end].LastIndexOf(quotedKey);
            if (index < 0)
            {
                return -1;
            }

            var position = SkipWhitespace(json, index + quotedKey.Length);
            if (position < json.Length && json[position] == (byte)':')
            {
                position = SkipWhitespace(json, position + 1);
                return position < json.Length && json[position] == (byte)'{' ? position : -1;
            }

            end = index; // A string value equal to the key, not a property name.
        }
    }

    /// <summary>Returns the first offset at or after <paramref name="position"/> that is not JSON whitespace.</summary>
    public static int SkipWhitespace(ReadOnlySpan<byte> json, int position)
    {
        while (position < json.Length && json[position] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            position++;
        }

        return position;
    }
}
