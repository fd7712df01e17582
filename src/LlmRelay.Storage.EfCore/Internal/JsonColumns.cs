using System.Text.Json;
using LlmRelay.Formats.Conversion;
using LlmRelay.Management;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Value converters and comparers that store lists and dictionaries as JSON text.</summary>
/// <remarks>
/// The comparers make EF Core notice in-place changes (<c>channel.Models.Add(...)</c>) and snapshot a copy, so
/// a tracked entity saves exactly when its collection content changed.
/// </remarks>
internal static class JsonColumns
{
    public static ValueConverter<List<string>, string> StringListConverter { get; } = new(
        static v => SerializeList(v),
        static v => DeserializeList(v));

    public static ValueComparer<List<string>> StringListComparer { get; } = new(
        static (a, b) => ListEquals(a, b),
        static v => ListHash(v),
        static v => CopyList(v));

    public static ValueConverter<Dictionary<string, string>, string> StringDictionaryConverter { get; } = new(
        static v => SerializeDictionary(v),
        static v => DeserializeDictionary(v));

    public static ValueComparer<Dictionary<string, string>> StringDictionaryComparer { get; } = new(
        static (a, b) => DictionaryEquals(a, b),
        static v => DictionaryHash(v),
        static v => CopyDictionary(v));

    public static ValueConverter<List<DisabledChannelKey>, string> DisabledKeyListConverter { get; } = new(
        static v => SerializeDisabledKeys(v),
        static v => DeserializeDisabledKeys(v));

    // Compared by their JSON text: the records are small and rarely written.
    public static ValueComparer<List<DisabledChannelKey>> DisabledKeyListComparer { get; } = new(
        static (a, b) => SerializeDisabledKeys(a) == SerializeDisabledKeys(b),
        static v => StringComparer.Ordinal.GetHashCode(SerializeDisabledKeys(v)),
        static v => DeserializeDisabledKeys(SerializeDisabledKeys(v)));

    public static ValueConverter<Dictionary<string, ModelCapability>, string> CapabilityMapConverter { get; } = new(
        static v => SerializeCapabilities(v),
        static v => DeserializeCapabilities(v));

    // Compared by their JSON text, as the disabled keys: a few entries, written when an administrator edits the channel.
    public static ValueComparer<Dictionary<string, ModelCapability>> CapabilityMapComparer { get; } = new(
        static (a, b) => SerializeCapabilities(a) == SerializeCapabilities(b),
        static v => StringComparer.Ordinal.GetHashCode(SerializeCapabilities(v)),
        static v => DeserializeCapabilities(SerializeCapabilities(v)));

    public static string SerializeCapabilities(Dictionary<string, ModelCapability>? value) =>
        JsonSerializer.Serialize(value ?? [], StorageJsonContext.Default.DictionaryStringModelCapability);

    public static Dictionary<string, ModelCapability> DeserializeCapabilities(string? json)
    {
        var parsed = string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, StorageJsonContext.Default.DictionaryStringModelCapability);
        return parsed is null ? new(StringComparer.OrdinalIgnoreCase) : new(parsed, StringComparer.OrdinalIgnoreCase);
    }

    public static string SerializeDisabledKeys(List<DisabledChannelKey>? value) =>
        JsonSerializer.Serialize(value ?? [], StorageJsonContext.Default.ListDisabledChannelKey);

    public static List<DisabledChannelKey> DeserializeDisabledKeys(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, StorageJsonContext.Default.ListDisabledChannelKey) ?? [];

    public static string SerializeList(List<string>? value) =>
        JsonSerializer.Serialize(value ?? [], StorageJsonContext.Default.ListString);

    public static List<string> DeserializeList(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, StorageJsonContext.Default.ListString) ?? [];

    public static string SerializeDictionary(Dictionary<string, string>? value) =>
        JsonSerializer.Serialize(value ?? [], StorageJsonContext.Default.DictionaryStringString);

    public static Dictionary<string, string> DeserializeDictionary(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return new(StringComparer.Ordinal);
        }

        var parsed = JsonSerializer.Deserialize(json, StorageJsonContext.Default.DictionaryStringString);
        return parsed is null ? new(StringComparer.Ordinal) : new(parsed, StringComparer.Ordinal);
    }

    public static bool ListEquals(List<string>? a, List<string>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b, StringComparer.Ordinal));

    public static int ListHash(List<string>? value)
    {
        var hash = new HashCode();
        if (value is not null)
        {
            foreach (var item in value)
            {
                hash.Add(item, StringComparer.Ordinal);
            }
        }

        return hash.ToHashCode();
    }

    public static List<string> CopyList(List<string>? value) => value is null ? [] : [.. value];

    public static bool DictionaryEquals(Dictionary<string, string>? a, Dictionary<string, string>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static int DictionaryHash(Dictionary<string, string>? value)
    {
        // Order-independent: XOR of the entry hashes.
        var hash = 0;
        if (value is not null)
        {
            foreach (var (key, item) in value)
            {
                hash ^= HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(item));
            }
        }

        return hash;
    }

    public static Dictionary<string, string> CopyDictionary(Dictionary<string, string>? value) =>
        value is null ? new(StringComparer.Ordinal) : new(value, value.Comparer);
}
