using System.Collections.Frozen;

namespace LlmRelay.Pricing;

/// <summary>Finds the entry of a model name in a table keyed by model names and name prefixes: the price table and the capability table.</summary>
/// <remarks>
/// Exact name (case-insensitive); else the longest key that is a prefix of the model and ends at a word boundary (the next
/// character is not a letter or digit, or the key itself ends in one), so <c>gpt-4o-2024-08-06</c> finds <c>gpt-4o</c> but
/// <c>gpt-4o</c> never <c>gpt-4</c>. Immutable; lookups take no lock and do not allocate.
/// </remarks>
/// <typeparam name="T">The entry type.</typeparam>
internal sealed class ModelNameLookup<T>
    where T : class
{
    private readonly FrozenDictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int[] _lengthsDescending;

    public ModelNameLookup(IReadOnlyDictionary<string, T> entries)
    {
        var frozen = entries is FrozenDictionary<string, T> { Comparer: var comparer } already && ReferenceEquals(comparer, StringComparer.OrdinalIgnoreCase)
            ? already
            : entries.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _lookup = frozen.GetAlternateLookup<ReadOnlySpan<char>>();
        _lengthsDescending = [.. frozen.Keys.Select(static k => k.Length).Distinct().OrderDescending()];
    }

    /// <summary>Finds <paramref name="model"/> by exact name, then by the longest prefix at a word boundary.</summary>
    public bool TryFind(ReadOnlySpan<char> model, out T entry)
    {
        if (_lookup.TryGetValue(model, out entry!))
        {
            return true;
        }

        foreach (var length in _lengthsDescending)
        {
            if (length >= model.Length)
            {
                continue;
            }

            var candidate = model[..length];
            if ((!char.IsAsciiLetterOrDigit(model[length]) || !char.IsAsciiLetterOrDigit(candidate[^1]))
                && _lookup.TryGetValue(candidate, out entry!))
            {
                return true;
            }
        }

        entry = null!;
        return false;
    }

    /// <summary>Finds <paramref name="model"/> as <see cref="TryFind"/> does, then the part after its last <c>/</c> (<c>anthropic/claude-sonnet-4-5</c>).</summary>
    public bool TryFindWithProvider(string model, out T entry)
    {
        if (TryFind(model, out entry))
        {
            return true;
        }

        var slash = model.LastIndexOf('/');
        return slash >= 0 && TryFind(model.AsSpan(slash + 1), out entry);
    }
}
