using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace LlmRelay.Formats.Internal;

/// <summary>Serialises wire models with <see cref="FormatsJsonContext"/>, turning malformed input into <see cref="FormatError"/> values.</summary>
internal static class WireJson
{
    private static readonly FormatsJsonContext SharedContext = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    });

    /// <summary>Gets the shared context (read-only options).</summary>
    public static FormatsJsonContext Context => SharedContext;

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

    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(value, info);
}
