using System.Text.Json.Serialization;

namespace LlmRelay.Formats.Internal;

/// <summary>A JSON value that is either a plain string or an array of parts (message content, system, input).</summary>
/// <typeparam name="T">The part type.</typeparam>
/// <remarks>Infrastructure shared by the LlmRelay packages (the wire models use it), not meant for direct use: it may change in any release.</remarks>
[JsonConverter(typeof(TextOrPartsConverterFactory))]
public sealed class TextOrParts<T>
    where T : class
{
    /// <summary>Initializes a new instance of the <see cref="TextOrParts{T}"/> class holding a plain string.</summary>
    /// <param name="text">The text.</param>
    public TextOrParts(string text) => Text = text;

    /// <summary>Initializes a new instance of the <see cref="TextOrParts{T}"/> class holding an array of parts.</summary>
    /// <param name="parts">The parts.</param>
    public TextOrParts(List<T> parts) => Parts = parts;

    /// <summary>Gets the text when the JSON was a string.</summary>
    public string? Text { get; }

    /// <summary>Gets the parts when the JSON was an array.</summary>
    public List<T>? Parts { get; }
}
