using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay;
using LlmRelay.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>A parsed JSON request body with typed, field-named accessors; the first problem is kept in <see cref="Error"/>.</summary>
/// <remarks>
/// Reading fields by hand rather than binding DTOs lets every error name the field and lets callers
/// tell "absent" from "set", which partial updates (PUT) need.
/// </remarks>
internal sealed class JsonBody : IDisposable
{
    private readonly JsonDocument? _document;
    private readonly PooledBufferWriter? _buffer;
    private readonly JsonElement _root;

    private JsonBody(JsonDocument? document, string? error, PooledBufferWriter? buffer = null)
    {
        _document = document;
        _buffer = buffer;
        _root = document?.RootElement ?? default;
        Error = error;
    }

    private JsonBody(JsonElement root)
    {
        _root = root;
    }

    public string? Error { get; private set; }

    public JsonElement Root => _root;

    /// <summary>Returns the object in field <paramref name="name"/> as a body of its own, or this body when the field is absent.</summary>
    public JsonBody ChildOrSelf(string name)
    {
        if (_root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(name, out var child) && child.ValueKind != JsonValueKind.Null)
        {
            if (child.ValueKind == JsonValueKind.Object)
            {
                return new JsonBody(child);
            }

            Error ??= $"Field '{name}' must be an object.";
        }

        return this;
    }

    /// <summary>Reads and parses the body, bounded by <see cref="LlmRelayOptions.MaxManagementRequestBodySize"/> while reading.</summary>
    /// <exception cref="BadHttpRequestException">The body is over the limit (status 413); the route group's <see cref="BodyLimitFilter"/> answers it in the route's shape.</exception>
    public static async Task<JsonBody> ReadAsync(HttpRequest request)
    {
        var limit = request.HttpContext.RequestServices.GetService<IOptions<LlmRelayOptions>>()?.Value.MaxManagementRequestBodySize ?? new LlmRelayOptions().MaxManagementRequestBodySize;
        var buffer = new PooledBufferWriter();
        try
        {
            if (!await BodyReader.ReadRequestAsync(request.HttpContext, buffer, limit).ConfigureAwait(false))
            {
                throw RequestBodyLimit.TooLarge(limit);
            }

            if (!Utf8.IsValid(buffer.WrittenSpan))
            {
                buffer.Dispose();
                return new JsonBody(null, "Request body is not valid UTF-8.");
            }

            // The document reads the pooled bytes in place; both are released by Dispose.
            var document = JsonDocument.Parse(buffer.WrittenMemory);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new JsonBody(document, null, buffer)
                : Invalid(document, buffer, "Request body must be a JSON object.");
        }
        catch (JsonException)
        {
            buffer.Dispose();
            return new JsonBody(null, "Request body is not valid JSON.");
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public bool Has(string name) => _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public string? String(string name, bool required = false, int maxLength = 4096)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Fail<string>($"Field '{name}' must be a string.");
        }

        var text = value.GetString()!.Trim();
        if (required && text.Length == 0)
        {
            return Fail<string>(FieldRules.Empty(name));
        }

        return FieldRules.Length(name, text, maxLength) is { } tooLong ? Fail<string>(tooLong) : text;
    }

    public long? Long(string name, bool required = false, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        long number;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out number))
        {
        }
        else if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
        }
        else
        {
            Error ??= FieldRules.NotInteger(name);
            return null;
        }

        if (FieldRules.Range(name, number, min, max) is { } outOfRange)
        {
            Error ??= outOfRange;
            return null;
        }

        return number;
    }

    public bool? Bool(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                Error ??= $"Field '{name}' must be true or false.";
                return null;
        }
    }

    /// <summary>Reads a list of strings given either as a JSON array or as a comma-separated string.</summary>
    public List<string>? StringList(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return FieldRules.SplitList(value.GetString()!);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail<List<string>>($"Field '{name}' must be an array of strings or a comma-separated string.");
        }

        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return Fail<List<string>>($"Field '{name}' must contain only strings.");
            }

            var text = item.GetString()!.Trim();
            if (text.Length > 0 && !list.Contains(text, StringComparer.Ordinal))
            {
                list.Add(text);
            }
        }

        return list;
    }

    public List<long>? LongList(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail<List<long>>($"Field '{name}' must be an array of integers.");
        }

        var list = new List<long>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var id))
            {
                return Fail<List<long>>($"Field '{name}' must contain only integers.");
            }

            list.Add(id);
        }

        return list;
    }

    /// <summary>Reads a string-to-string map given either as a JSON object or as a string holding one.</summary>
    public Dictionary<string, string>? StringMap(string name)
    {
        if (!TryGet(name, false, out var value))
        {
            return null;
        }

        JsonDocument? parsed = null;
        try
        {
            if (value.ValueKind == JsonValueKind.String)
            {
                var text = value.GetString()!;
                if (string.IsNullOrWhiteSpace(text))
                {
                    return new(StringComparer.Ordinal);
                }

                try
                {
                    parsed = JsonDocument.Parse(text);
                    value = parsed.RootElement;
                }
                catch (JsonException)
                {
                    return Fail<Dictionary<string, string>>($"Field '{name}' must be a JSON object of strings.");
                }
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                return Fail<Dictionary<string, string>>($"Field '{name}' must be a JSON object of strings.");
            }

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in value.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return Fail<Dictionary<string, string>>($"Field '{name}' must be a JSON object of strings.");
                }

                map[property.Name] = property.Value.GetString()!;
            }

            return map;
        }
        finally
        {
            parsed?.Dispose();
        }
    }

    public void Report(string error) => Error ??= error;

    public void Dispose()
    {
        _document?.Dispose();
        _buffer?.Dispose();
    }

    private static JsonBody Invalid(JsonDocument document, PooledBufferWriter buffer, string error)
    {
        document.Dispose();
        buffer.Dispose();
        return new JsonBody(null, error);
    }

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        value = default;
        if (_root.ValueKind != JsonValueKind.Object || !_root.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Error ??= FieldRules.Required(name);
            }

            return false;
        }

        return true;
    }

    private T? Fail<T>(string message)
        where T : class
    {
        Error ??= message;
        return null;
    }
}
