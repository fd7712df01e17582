using System.Text.Json;
using LlmRelay.Storage;

namespace LlmRelay.Selection;

/// <summary>
/// The selection policies the management API stores (option <c>GroupSelectionPolicies</c>, a JSON object of group name to
/// policy name, <c>"*"</c> for every group without its own), layered over <c>LlmRelay:Selection</c>: at start from the
/// option store, and on every change.
/// </summary>
/// <remarks>Thread-safe. The relay reads the policies from the current <see cref="ChannelCatalog"/> only, never from the database.</remarks>
public static class StoredSelectionOptions
{
    /// <summary>The option holding selection policies by group.</summary>
    public const string GroupSelectionPolicies = "GroupSelectionPolicies";

    /// <summary>The key of <see cref="GroupSelectionPolicies"/> that sets the policy of every group without its own.</summary>
    public const string AnyGroup = "*";

    /// <summary>Returns the group-to-policy map in <paramref name="json"/>; an invalid value counts as empty.</summary>
    public static Dictionary<string, string> Parse(string? json)
    {
        var policies = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return policies;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return policies;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String && property.Name.Length > 0 && property.Value.GetString() is { Length: > 0 } name)
                {
                    policies[property.Name] = name.Trim();
                }
            }
        }
        catch (JsonException)
        {
        }

        return policies;
    }

    /// <summary>Returns an error naming what is wrong with <paramref name="json"/>, or <see langword="null"/> when every name is a registered policy.</summary>
    public static string? Validate(string json, IEnumerable<IChannelSelectionPolicy> registered)
    {
        var known = new HashSet<string>(registered.Select(static p => p.Name), StringComparer.OrdinalIgnoreCase);
        Dictionary<string, JsonElement>? map;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"Option '{GroupSelectionPolicies}' must be a JSON object of group name to policy name.";
            }

            map = document.RootElement.EnumerateObject().ToDictionary(static p => p.Name, static p => p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return $"Option '{GroupSelectionPolicies}' must be a JSON object of group name to policy name.";
        }

        foreach (var (group, value) in map)
        {
            if (group.Length == 0 || value.ValueKind != JsonValueKind.String || !known.Contains(value.GetString()!.Trim()))
            {
                return $"Option '{GroupSelectionPolicies}': '{group}' must name a selection policy: {string.Join(", ", known.Order(StringComparer.Ordinal))}.";
            }
        }

        return null;
    }

    /// <summary>Reads the stored option from <paramref name="store"/> and hands it to <paramref name="catalog"/> (applied at its next reload).</summary>
    internal static async Task LoadAsync(ChannelCatalogProvider catalog, IOptionStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(store);
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        catalog.SetSelectionOverrides(Parse(stored.FirstOrDefault(static o => o.Key == GroupSelectionPolicies)?.Value));
    }
}
