using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Selection;

/// <summary>Resolves the model a caller names to the model channels are indexed by: served name, then alias, then family fallback.</summary>
/// <remarks>
/// <code>
/// requested ─► served by a channel of the caller's group?  yes ─► requested
///           ─► LlmRelay:ModelAliases[requested]?           yes ─► the alias's model
///           ─► LlmRelay:ModelFamilies pattern matches?     yes ─► the family's model (longest pattern wins)
///           ─► requested (selection then answers 404 model_not_found)
/// </code>
/// The order follows seed-ds2api.md ("model alias resolution": native model, exact alias, family rule, else an
/// invalid-request error; issue #15): a model some channel really serves is never redirected by an alias or a family,
/// and a family pattern (<c>gpt-*</c>, <c>claude-*</c>, <c>o*</c>) catches the dated and new names clients send for a
/// family the gateway serves under another name. Registered by <c>AddLlmRelay()</c>; resolve it from the service
/// provider. Thread-safe: the aliases and patterns are read once and never change; the catalog is read per call.
/// </remarks>
public sealed class ModelResolver
{
    private readonly ChannelCatalogProvider _catalog;
    private readonly IDictionary<string, string> _aliases;
    private readonly (string Prefix, string Model)[] _families;

    internal ModelResolver(ChannelCatalogProvider catalog, IOptions<LlmRelayOptions> options)
    {
        _catalog = catalog;
        _aliases = options.Value.ModelAliases;
        // Longest prefix first, so "claude-opus-*" wins over "claude-*" whatever the configuration's order.
        _families = [.. options.Value.ModelFamilies
            .Where(static f => f.Value is { Length: > 0 } && ModelFamilyPattern.IsValid(f.Key))
            .Select(static f => (Prefix: ModelFamilyPattern.PrefixOf(f.Key), Model: f.Value.Trim()))
            .OrderByDescending(static f => f.Prefix.Length)
            .ThenBy(static f => f.Prefix, StringComparer.Ordinal)];
    }

    /// <summary>Returns the model channels are indexed by for <paramref name="requested"/> in <paramref name="group"/>.</summary>
    /// <param name="group">The caller's group; a model served in it is used as named.</param>
    /// <param name="requested">The model the caller named.</param>
    /// <returns>The model to select channels for: <paramref name="requested"/> itself when nothing applies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> or <paramref name="requested"/> is <see langword="null"/>.</exception>
    public string Resolve(string group, string requested)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(requested);
        if (requested.Length == 0 || _catalog.Current.Contains(group, requested))
        {
            return requested;
        }

        if (_aliases.Count > 0 && _aliases.TryGetValue(requested, out var aliased) && aliased is { Length: > 0 })
        {
            return aliased;
        }

        foreach (var (prefix, model) in _families)
        {
            if (requested.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return model;
            }
        }

        return requested;
    }
}
