using System.Text.Json.Serialization;

namespace LlmRelay.Formats.Internal;

/// <summary>A JSON value that is either a plain string or an array of parts (message content, system, input).</summary>
/// <typeparam name="T">The part type.</typeparam>
[JsonConverter(typeof(TextOrPartsConverterFactory))]
internal sealed class TextOrParts<T>
    where T : class
{
    public TextOrParts(string text) => Text = text;

    public TextOrParts(List<T> parts) => Parts = parts;

    /// <summary>Gets the text when the JSON was a string.</summary>
    public string? Text { get; }

    /// <summary>Gets the parts when the JSON was an array.</summary>
    public List<T>? Parts { get; }
}
