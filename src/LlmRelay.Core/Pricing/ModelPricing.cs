using System.Collections.Frozen;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Usage;
using Microsoft.Extensions.Options;

namespace LlmRelay.Pricing;

/// <summary>Resolves the price of a model and the ratio of a user group from an immutable, atomically swapped snapshot.</summary>
/// <remarks>
/// <para>
/// Three layers, later ones winning per model name / group name:
/// </para>
/// <code>
///   built-in table (DefaultModelPrices)
///     &lt;- LlmRelay:Pricing (Models, GroupRatios, UnknownModelRatio; re-applied when the section changes)
///       &lt;- SetOverrides / SetGroupRatios (runtime; kept across config reloads; GroupRatio option of the management API)
///         &lt;- SetRatioOptions (the management API's ModelRatio / CompletionRatio options, over the price resolved below)
///   ----------------------------------------------------------------------------------------------
///   = one FrozenDictionary snapshot, published with Volatile.Write
/// </code>
/// <para>
/// Lookup: exact name (case-insensitive); else the longest known name that is a prefix of the model and
/// ends at a word boundary (the next character is not a letter or digit, or the known name itself ends in
/// one), so <c>gpt-4o-2024-08-06</c> resolves to <c>gpt-4o</c> but <c>gpt-4o</c> never to <c>gpt-4</c>;
/// else the same for the part after the last <c>/</c> (<c>anthropic/claude-sonnet-4</c>,
/// <c>models/gemini-2.5-pro</c>); else a price at <see cref="PricingOptions.UnknownModelRatio"/>.
/// </para>
/// <para>Thread-safe: reads take no lock and do not allocate; writers serialise on a lock and swap the snapshot.</para>
/// </remarks>
public sealed class ModelPricing : IDisposable
{
    private static readonly IReadOnlyDictionary<string, ModelPrice> NoModels = new Dictionary<string, ModelPrice>();
    private static readonly IReadOnlyDictionary<string, double> NoGroups = new Dictionary<string, double>();

    private readonly Lock _gate = new();
    private readonly IReadOnlyDictionary<string, ModelPrice> _defaults = DefaultModelPrices.Create();
    private readonly IDisposable? _subscription;
    private IReadOnlyDictionary<string, ModelPrice> _configuredModels = NoModels;
    private IReadOnlyDictionary<string, ModelPrice> _runtimeModels = NoModels;
    private IReadOnlyDictionary<string, double> _configuredGroups = NoGroups;
    private IReadOnlyDictionary<string, double> _runtimeGroups = NoGroups;
    private IReadOnlyDictionary<string, double> _optionModelRatios = NoGroups;
    private IReadOnlyDictionary<string, double> _optionCompletionRatios = NoGroups;
    private double _unknownModelRatio = 1;
    private Snapshot _snapshot;

    internal ModelPricing(IOptionsMonitor<LlmRelayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _snapshot = Build();
        ApplyConfiguration(options.CurrentValue.Pricing);
        _subscription = options.OnChange((o, _) => ApplyConfiguration(o.Pricing));
    }

    /// <summary>Returns the price of <paramref name="model"/>, or the unknown-model price when no entry matches.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    public ModelPrice Resolve(string model)
    {
        TryResolve(model, out var price);
        return price;
    }

    /// <summary>Returns whether a table entry or override matches <paramref name="model"/>; <paramref name="price"/> is the unknown-model price when not.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    public bool TryResolve(string model, out ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(model);
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.TryFind(model, out price))
        {
            return true;
        }

        var slash = model.LastIndexOf('/');
        if (slash >= 0 && snapshot.TryFind(model.AsSpan(slash + 1), out price))
        {
            return true;
        }

        price = snapshot.Unknown;
        return false;
    }

    /// <summary>Returns the quota a call with <paramref name="usage"/> is charged at <paramref name="price"/> for a caller in <paramref name="group"/>, exactly as the relay bills it.</summary>
    /// <remarks>
    /// The relay's own computation (each token bucket at its ratio, times the group's ratio, rounded up; a fixed price per call),
    /// so a price list shown from it (the dashboard's models page, issue #15) is what calls are charged.
    /// </remarks>
    /// <param name="price">The model's price, from <see cref="Resolve"/> or <see cref="TryResolve"/>.</param>
    /// <param name="group">The caller's group; a group without a ratio pays 1.</param>
    /// <param name="usage">The tokens of the call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="price"/> is <see langword="null"/>.</exception>
    public long ComputeQuota(ModelPrice price, string? group, in TokenUsage usage) =>
        QuotaCalculator.Compute(usage, price, GroupRatio(group));

    /// <summary>Returns the price multiplier of a user group: 1 for a group without a configured ratio.</summary>
    internal double GroupRatio(string? group) =>
        group is not null && Volatile.Read(ref _snapshot).Groups.TryGetValue(group, out var ratio) ? ratio : 1;

    /// <summary>Replaces the runtime model overrides (the top layer) as a whole; an empty map removes them.</summary>
    /// <exception cref="ArgumentException">A price has a negative or non-finite ratio or fixed price.</exception>
    internal void SetOverrides(IReadOnlyDictionary<string, ModelPrice> overrides)
    {
        var copy = CopyModels(overrides);
        lock (_gate)
        {
            _runtimeModels = copy;
            Volatile.Write(ref _snapshot, Build());
        }
    }

    /// <summary>Replaces the runtime group ratios (the top layer) as a whole; an empty map removes them.</summary>
    /// <exception cref="ArgumentException">A ratio is negative or not finite.</exception>
    internal void SetGroupRatios(IReadOnlyDictionary<string, double> groupRatios)
    {
        var copy = CopyGroups(groupRatios);
        lock (_gate)
        {
            _runtimeGroups = copy;
            Volatile.Write(ref _snapshot, Build());
        }
    }

    /// <summary>Gets the group ratios in force: configured, overridden by the runtime ones; a group not listed pays 1.</summary>
    public IReadOnlyDictionary<string, double> GroupRatios => Volatile.Read(ref _snapshot).Groups;

    /// <summary>
    /// Replaces the stored <c>ModelRatio</c> / <c>CompletionRatio</c> options (the management API's), the topmost layer: a
    /// listed model keeps the rest of the price it resolves to below (cache ratios), with the listed ratios; a listed
    /// <c>ModelRatio</c> prices it per token (no fixed price).
    /// </summary>
    /// <exception cref="ArgumentException">A ratio is negative or not finite.</exception>
    internal void SetRatioOptions(IReadOnlyDictionary<string, double> modelRatios, IReadOnlyDictionary<string, double> completionRatios)
    {
        var models = CopyGroups(modelRatios, StringComparer.OrdinalIgnoreCase);
        var completions = CopyGroups(completionRatios, StringComparer.OrdinalIgnoreCase);
        lock (_gate)
        {
            _optionModelRatios = models;
            _optionCompletionRatios = completions;
            Volatile.Write(ref _snapshot, Build());
        }
    }

    /// <summary>Stops following configuration changes.</summary>
    public void Dispose() => _subscription?.Dispose();

    /// <summary>Returns the first problem with <paramref name="price"/>, or <see langword="null"/> when every ratio is finite and not negative.</summary>
    internal static string? Validate(ModelPrice price) =>
        !IsValidRatio(price.ModelRatio) ? nameof(ModelPrice.ModelRatio)
        : !IsValidRatio(price.CompletionRatio) ? nameof(ModelPrice.CompletionRatio)
        : !IsValidRatio(price.CacheReadRatio) ? nameof(ModelPrice.CacheReadRatio)
        : !IsValidRatio(price.CacheWrite5mRatio) ? nameof(ModelPrice.CacheWrite5mRatio)
        : !IsValidRatio(price.CacheWrite1hRatio) ? nameof(ModelPrice.CacheWrite1hRatio)
        : price.FixedPrice is { } fixedPrice && !IsValidRatio(fixedPrice) ? nameof(ModelPrice.FixedPrice)
        : price.UnitPrice is { } unitPrice && !IsValidRatio(unitPrice) ? nameof(ModelPrice.UnitPrice)
        : !Enum.IsDefined(price.Unit) ? nameof(ModelPrice.Unit)
        : price.UnitPrices.FirstOrDefault(static p => !IsValidRatio(p.Value)) is { Key: { } variant } ? $"{nameof(ModelPrice.UnitPrices)}:{variant}"
        : null;

    internal static bool IsValidRatio(double value) => double.IsFinite(value) && value >= 0;

    private void ApplyConfiguration(PricingOptions? pricing)
    {
        pricing ??= new PricingOptions();
        IReadOnlyDictionary<string, ModelPrice> models;
        IReadOnlyDictionary<string, double> groups;
        try
        {
            models = CopyModels(pricing.Models.AsReadOnly());
            groups = CopyGroups(pricing.GroupRatios.AsReadOnly());
            if (!IsValidRatio(pricing.UnknownModelRatio))
            {
                throw new ArgumentException("UnknownModelRatio must be a finite number, not negative.", nameof(pricing));
            }
        }
        catch (ArgumentException)
        {
            // LlmRelayOptionsValidator rejects bad prices at start and on reload; should one slip through,
            // keep serving the last good snapshot rather than fail requests.
            return;
        }

        lock (_gate)
        {
            _configuredModels = models;
            _configuredGroups = groups;
            _unknownModelRatio = pricing.UnknownModelRatio;
            Volatile.Write(ref _snapshot, Build());
        }
    }

    private static Dictionary<string, ModelPrice> CopyModels(IReadOnlyDictionary<string, ModelPrice> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, price) in source)
        {
            if (string.IsNullOrWhiteSpace(name) || price is null)
            {
                continue;
            }

            if (Validate(price) is { } bad)
            {
                throw new ArgumentException($"Model '{name}': {bad} must be a finite number, not negative.", nameof(source));
            }

            copy[name.Trim()] = price;
        }

        return copy;
    }

    private static Dictionary<string, double> CopyGroups(IReadOnlyDictionary<string, double> source, StringComparer? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new Dictionary<string, double>(comparer ?? StringComparer.Ordinal);
        foreach (var (name, ratio) in source)
        {
            if (!IsValidRatio(ratio))
            {
                throw new ArgumentException($"Group '{name}': the ratio must be a finite number, not negative.", nameof(source));
            }

            copy[name] = ratio;
        }

        return copy;
    }

    // Callers hold _gate, except the constructor.
    private Snapshot Build()
    {
        var models = new Dictionary<string, ModelPrice>(_defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var layer in (ReadOnlySpan<IReadOnlyDictionary<string, ModelPrice>>)[_configuredModels, _runtimeModels])
        {
            foreach (var (name, price) in layer)
            {
                models[name] = price;
            }
        }

        if (_optionModelRatios.Count > 0 || _optionCompletionRatios.Count > 0)
        {
            // Each listed model starts from the price the layers below resolve it to (exact, prefix or unknown).
            var below = new Snapshot(models.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), FrozenDictionary<string, double>.Empty, UnknownPrice());
            foreach (var name in _optionModelRatios.Keys.Concat(_optionCompletionRatios.Keys).Distinct(StringComparer.OrdinalIgnoreCase).ToList())
            {
                var price = below.TryFind(name, out var found) ? found : below.Unknown;
                if (_optionModelRatios.TryGetValue(name, out var modelRatio))
                {
                    price = price with { ModelRatio = modelRatio, FixedPrice = null };
                }

                if (_optionCompletionRatios.TryGetValue(name, out var completionRatio))
                {
                    price = price with { CompletionRatio = completionRatio };
                }

                models[name] = price;
            }
        }

        var groups = new Dictionary<string, double>(_configuredGroups, StringComparer.Ordinal);
        foreach (var (name, ratio) in _runtimeGroups)
        {
            groups[name] = ratio;
        }

        return new Snapshot(
            models.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            groups.ToFrozenDictionary(StringComparer.Ordinal),
            UnknownPrice());
    }

    private ModelPrice UnknownPrice() => new() { ModelRatio = _unknownModelRatio, CompletionRatio = 1, CacheReadRatio = 1 };

    private sealed class Snapshot(FrozenDictionary<string, ModelPrice> models, FrozenDictionary<string, double> groups, ModelPrice unknown)
    {
        private readonly ModelNameLookup<ModelPrice> _models = new(models);

        public FrozenDictionary<string, double> Groups { get; } = groups;

        public ModelPrice Unknown { get; } = unknown;

        public bool TryFind(ReadOnlySpan<char> model, out ModelPrice price) => _models.TryFind(model, out price);
    }
}
