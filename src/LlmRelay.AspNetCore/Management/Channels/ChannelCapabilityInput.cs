using System.Text;
using System.Text.Json;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Formats.Conversion;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Reads and shows a channel's model capability overrides, the <c>model_capabilities</c> field of the channel routes and the dashboard's channel form.</summary>
/// <remarks>
/// The field is a JSON object (or a string holding one, as new-api sends its JSON fields) keyed by the model name the channel
/// is sent, after its model mapping; each value sets some of <c>reasoning</c>, <c>max_output_tokens</c>,
/// <c>default_output_tokens</c>, <c>sampling_with_reasoning</c> and <c>temperature_or_top_p</c>, the properties of
/// <c>LlmRelay:ModelCapabilities</c>, checked as its validator checks them. Absent keeps the stored overrides; <c>null</c>,
/// <c>""</c> or <c>{}</c> clears them.
/// </remarks>
internal static class ChannelCapabilityInput
{
    /// <summary>The field's name.</summary>
    public const string Field = "model_capabilities";

    /// <summary>The most overrides one channel may hold.</summary>
    public const int MaxEntries = 256;

    private const int MaxModelLength = 128;

    private static readonly string ReasoningNames = string.Join(", ", Enum.GetNames<ReasoningControl>());

    /// <summary>Reads the field from <paramref name="body"/>: <see langword="null"/> when absent (or refused, reported on <paramref name="body"/>).</summary>
    public static Dictionary<string, ModelCapability>? Read(JsonBody body)
    {
        if (body.Root.ValueKind != JsonValueKind.Object || !body.Root.TryGetProperty(Field, out var value))
        {
            return null;
        }

        var (map, error) = Parse(value);
        if (error is not null)
        {
            body.Report(error);
        }

        return map;
    }

    /// <summary>Reads the field's text, as the dashboard's form posts it; blank clears the overrides.</summary>
    public static (Dictionary<string, ModelCapability>? Map, string? Error) Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (Empty(), null);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return Parse(document.RootElement);
        }
        catch (JsonException)
        {
            return (null, $"Field '{Field}' must be a JSON object of model names to capabilities.");
        }
    }

    /// <summary>Reads the field's value, checking every entry; the first problem is the error.</summary>
    public static (Dictionary<string, ModelCapability>? Map, string? Error) Parse(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return (Empty(), null);
            case JsonValueKind.String:
                return Parse(value.GetString()!);
            case JsonValueKind.Object:
                break;
            default:
                return (null, $"Field '{Field}' must be a JSON object of model names to capabilities.");
        }

        var map = Empty();
        foreach (var entry in value.EnumerateObject())
        {
            var model = entry.Name.Trim();
            if (model.Length is 0 or > MaxModelLength)
            {
                return (null, $"Field '{Field}': model names must be 1 to {MaxModelLength} characters.");
            }

            if (map.Count == MaxEntries)
            {
                return (null, $"Field '{Field}' holds at most {MaxEntries} models.");
            }

            var (capability, error) = ReadCapability(model, entry.Value);
            if (error is not null)
            {
                return (null, error);
            }

            map[model] = capability!;
        }

        return (map, null);
    }

    /// <summary>Shows <paramref name="capabilities"/> in the field's shape, properties not set left out.</summary>
    public static Dictionary<string, ModelCapabilityView> ToView(IReadOnlyDictionary<string, ModelCapability> capabilities) =>
        capabilities.OrderBy(static p => p.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(
            static p => p.Key,
            static p => new ModelCapabilityView(
                p.Value.Reasoning == ReasoningControl.Unspecified ? null : p.Value.Reasoning.ToString(),
                p.Value.MaxOutputTokens,
                p.Value.DefaultOutputTokens,
                p.Value.SamplingWithReasoning,
                p.Value.TemperatureOrTopP),
            StringComparer.OrdinalIgnoreCase);

    /// <summary>Writes <paramref name="capabilities"/> as the field's indented JSON text, for the dashboard's form; empty when there are none.</summary>
    public static string ToText(IReadOnlyDictionary<string, ModelCapability> capabilities)
    {
        if (capabilities.Count == 0)
        {
            return "";
        }

        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(ToView(capabilities), ManagementJsonContext.Default.DictionaryStringModelCapabilityView));
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Dictionary<string, ModelCapability> Empty() => new(StringComparer.OrdinalIgnoreCase);

    private static (ModelCapability? Capability, string? Error) ReadCapability(string model, JsonElement value)
    {
        var at = $"Field '{Field}.{model}";
        if (value.ValueKind != JsonValueKind.Object)
        {
            return (null, $"{at}' must be an object of reasoning, max_output_tokens, default_output_tokens, sampling_with_reasoning, temperature_or_top_p.");
        }

        var capability = new ModelCapability();
        foreach (var property in value.EnumerateObject())
        {
            var item = property.Value;
            switch (property.Name)
            {
                case "reasoning":
                    if (item.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }

                    if (item.ValueKind != JsonValueKind.String || !Enum.TryParse<ReasoningControl>(item.GetString(), ignoreCase: true, out var reasoning)
                        || !Enum.IsDefined(reasoning) || int.TryParse(item.GetString(), out _))
                    {
                        return (null, $"{at}.reasoning' must be one of {ReasoningNames}.");
                    }

                    capability = capability with { Reasoning = reasoning };
                    break;
                case "max_output_tokens":
                    if (Tokens(item, at, property.Name, out var max) is { } maxError)
                    {
                        return (null, maxError);
                    }

                    capability = capability with { MaxOutputTokens = max };
                    break;
                case "default_output_tokens":
                    if (Tokens(item, at, property.Name, out var standard) is { } standardError)
                    {
                        return (null, standardError);
                    }

                    capability = capability with { DefaultOutputTokens = standard };
                    break;
                case "sampling_with_reasoning":
                    if (Flag(item, at, property.Name, out var sampling) is { } samplingError)
                    {
                        return (null, samplingError);
                    }

                    capability = capability with { SamplingWithReasoning = sampling };
                    break;
                case "temperature_or_top_p":
                    if (Flag(item, at, property.Name, out var either) is { } eitherError)
                    {
                        return (null, eitherError);
                    }

                    capability = capability with { TemperatureOrTopP = either };
                    break;
                default:
                    return (null, $"{at}' has no property '{property.Name}': use reasoning, max_output_tokens, default_output_tokens, sampling_with_reasoning, temperature_or_top_p.");
            }
        }

        return (capability, null);
    }

    // A token count: null (not set) or an integer of at least 1; returns the error, or null.
    private static string? Tokens(JsonElement item, string at, string name, out int? tokens)
    {
        tokens = null;
        if (item.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var value) && value >= 1)
        {
            tokens = value;
            return null;
        }

        return $"{at}.{name}' must be an integer of at least 1.";
    }

    // A flag: null (not set), true or false; returns the error, or null.
    private static string? Flag(JsonElement item, string at, string name, out bool? flag)
    {
        flag = item.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
        return flag is null && item.ValueKind != JsonValueKind.Null ? $"{at}.{name}' must be true or false." : null;
    }
}
