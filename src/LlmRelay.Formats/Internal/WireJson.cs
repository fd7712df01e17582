using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace LlmRelay.Formats.Internal;

/// <summary>Serialises wire models with source-generated JSON metadata, turning malformed input into <see cref="FormatError"/> values.</summary>
/// <remarks>Infrastructure shared by the LlmRelay packages, not meant for direct use: it may change in any release.</remarks>
public static class WireJson
{
    private static readonly FormatsJsonContext SharedContext = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    });

    private static readonly WireJsonTypes SharedTypes = new(SharedContext);

    /// <summary>Gets the metadata of the public OpenAI Chat models (read-only options).</summary>
    public static WireJsonTypes Context => SharedTypes;

    /// <summary>Gets the shared context for every wire model, including the internal Anthropic, Gemini and Responses ones.</summary>
    internal static FormatsJsonContext Models => SharedContext;

    /// <summary>Deserialises <paramref name="body"/>, returning malformed JSON or a wrong shape as a <see cref="FormatError"/>.</summary>
    /// <typeparam name="T">The model type.</typeparam>
    /// <param name="body">The UTF-8 JSON.</param>
    /// <param name="info">The metadata, e.g. from <see cref="Context"/>.</param>
    /// <returns>The model, or the error.</returns>
    public static FormatResult<T> Deserialize<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> info)
        where T : class
    {
        try
        {
            T? value = JsonSerializer.Deserialize(body, info);
            return value is null ? FormatError.Shape("The body is JSON null.") : value;
        }
        catch (JsonException ex)
        {
            bool typeError = ex.Message.Contains("could not be converted", StringComparison.Ordinal) || ex.Message.Contains("Expected a", StringComparison.Ordinal);
            return new FormatError(
                typeError ? FormatErrorKind.InvalidShape : FormatErrorKind.InvalidJson,
                (typeError ? "The body has a value of the wrong type" : "The body is not valid JSON") + (ex.Path is null ? "." : " at " + ex.Path + "."),
                ex.Path);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or FormatException or OverflowException)
        {
            return FormatError.Shape("The body could not be read: " + ex.Message);
        }
    }

    /// <summary>Serialises <paramref name="value"/> to UTF-8 JSON.</summary>
    /// <typeparam name="T">The model type.</typeparam>
    /// <param name="value">The model.</param>
    /// <param name="info">The metadata, e.g. from <see cref="Context"/>.</param>
    /// <returns>The UTF-8 JSON.</returns>
    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(value, info);
}
