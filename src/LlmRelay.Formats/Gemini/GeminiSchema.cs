using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Gemini;

/// <summary>Translates JSON Schema to the OpenAPI subset Gemini accepts, and Gemini schemas back to JSON Schema.</summary>
/// <remarks>
/// To Gemini: keeps only supported keywords, inlines local <c>$ref</c>s (depth-limited), turns
/// <c>["T","null"]</c> into <c>type: T, nullable: true</c>, <c>const</c> into a one-value <c>enum</c>,
/// <c>oneOf</c> into <c>anyOf</c>, and drops string formats Gemini rejects.
/// </remarks>
internal static class GeminiSchema
{
    private const int MaxRefDepth = 8;

    private static readonly HashSet<string> Allowed =
    [
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
        "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
        "default", "items", "minimum", "maximum",
    ];

    private static readonly HashSet<string> AllowedFormats = ["enum", "date-time", "int32", "int64", "float", "double"];

    public static JsonElement ToGemini(JsonElement schema) => Rewrite(schema, (w, s) => WriteGemini(w, s, schema, 0));

    public static JsonElement ToJsonSchema(JsonElement schema) => Rewrite(schema, WriteJsonSchema);

    private static JsonElement Rewrite(JsonElement schema, Action<Utf8JsonWriter, JsonElement> write)
    {
        using var buffer = new PooledBuffer(512);
        using (var w = new Utf8JsonWriter(buffer, Json.WriterOptions))
        {
            write(w, schema);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static void WriteGemini(Utf8JsonWriter w, JsonElement s, JsonElement root, int depth)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            s.WriteTo(w);
            return;
        }

        if (s.TryGetProperty("$ref", out JsonElement r) && r.ValueKind == JsonValueKind.String && depth < MaxRefDepth && Resolve(root, r.GetString()!) is { } target)
        {
            WriteGemini(w, target, root, depth + 1);
            return;
        }

        w.WriteStartObject();
        bool nullable = false;
        foreach (JsonProperty p in s.EnumerateObject())
        {
            switch (p.Name)
            {
                case "type" when p.Value.ValueKind == JsonValueKind.Array:
                    string? first = null;
                    foreach (JsonElement t in p.Value.EnumerateArray())
                    {
                        if (t.ValueKind == JsonValueKind.String && t.GetString() is { } ts)
                        {
                            if (ts == "null")
                            {
                                nullable = true;
                            }
                            else
                            {
                                first ??= ts;
                            }
                        }
                    }

                    w.WriteString("type", first ?? "string");
                    break;
                case "const":
                    w.WriteStartArray("enum");
                    w.WriteStringValue(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText());
                    w.WriteEndArray();
                    break;
                case "oneOf" or "anyOf":
                    w.WriteStartArray("anyOf");
                    foreach (JsonElement item in p.Value.EnumerateArray())
                    {
                        WriteGemini(w, item, root, depth);
                    }

                    w.WriteEndArray();
                    break;
                case "properties" when p.Value.ValueKind == JsonValueKind.Object:
                    w.WriteStartObject("properties");
                    foreach (JsonProperty prop in p.Value.EnumerateObject())
                    {
                        w.WritePropertyName(prop.Name);
                        WriteGemini(w, prop.Value, root, depth);
                    }

                    w.WriteEndObject();
                    break;
                case "items":
                    w.WritePropertyName("items");
                    WriteGemini(w, p.Value, root, depth);
                    break;
                case "format" when p.Value.ValueKind != JsonValueKind.String || !AllowedFormats.Contains(p.Value.GetString()!):
                    break;
                case "enum" when p.Value.ValueKind == JsonValueKind.Array && p.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String):
                    break;
                case "nullable":
                    nullable |= p.Value.ValueKind == JsonValueKind.True;
                    break;
                default:
                    if (Allowed.Contains(p.Name))
                    {
                        p.WriteTo(w);
                    }

                    break;
            }
        }

        if (nullable)
        {
            w.WriteBoolean("nullable", true);
        }

        w.WriteEndObject();
    }

    private static JsonElement? Resolve(JsonElement root, string reference)
    {
        foreach (string prefix in (string[])["#/$defs/", "#/definitions/"])
        {
            if (reference.StartsWith(prefix, StringComparison.Ordinal)
                && root.TryGetProperty(prefix[2..^1], out JsonElement defs)
                && defs.ValueKind == JsonValueKind.Object
                && defs.TryGetProperty(reference[prefix.Length..], out JsonElement target))
            {
                return target;
            }
        }

        return null;
    }

    private static void WriteJsonSchema(Utf8JsonWriter w, JsonElement s)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            s.WriteTo(w);
            return;
        }

        bool nullable = s.TryGetProperty("nullable", out JsonElement n) && n.ValueKind == JsonValueKind.True;
        w.WriteStartObject();
        foreach (JsonProperty p in s.EnumerateObject())
        {
            switch (p.Name)
            {
                case "type" when p.Value.ValueKind == JsonValueKind.String:
                    string type = p.Value.GetString()!.ToLowerInvariant();
                    if (nullable)
                    {
                        w.WriteStartArray("type");
                        w.WriteStringValue(type);
                        w.WriteStringValue("null");
                        w.WriteEndArray();
                    }
                    else
                    {
                        w.WriteString("type", type);
                    }

                    break;
                case "nullable":
                    break;
                case "properties" when p.Value.ValueKind == JsonValueKind.Object:
                    w.WriteStartObject("properties");
                    foreach (JsonProperty prop in p.Value.EnumerateObject())
                    {
                        w.WritePropertyName(prop.Name);
                        WriteJsonSchema(w, prop.Value);
                    }

                    w.WriteEndObject();
                    break;
                case "items":
                    w.WritePropertyName("items");
                    WriteJsonSchema(w, p.Value);
                    break;
                case "anyOf" when p.Value.ValueKind == JsonValueKind.Array:
                    w.WriteStartArray("anyOf");
                    foreach (JsonElement item in p.Value.EnumerateArray())
                    {
                        WriteJsonSchema(w, item);
                    }

                    w.WriteEndArray();
                    break;
                case "propertyOrdering":
                    break;
                default:
                    p.WriteTo(w);
                    break;
            }
        }

        w.WriteEndObject();
    }
}
