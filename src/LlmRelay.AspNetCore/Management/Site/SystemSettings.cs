using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using LlmRelay.Changes;
using LlmRelay.Management;
using LlmRelay.Pricing;
using LlmRelay.RateLimiting;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>The system options: typed validation, an in-memory copy for readers, and write-through to <see cref="IOptionStore"/>.</summary>
/// <remarks>
/// Thread-safe. A change is visible to every reader on this instance as soon as it is stored, without a restart; a change of
/// <see cref="UserUsableGroups"/> also clears <see cref="TokenCache"/>, whose entries carry whether their group is usable, and
/// the pricing options also reach <see cref="ModelPricing"/>, which the relay charges by.
/// </remarks>
internal sealed class SystemSettings : IDisposable
{
    public const string SystemName = "SystemName";
    public const string Notice = "Notice";
    public const string About = "About";
    public const string HomePageContent = "HomePageContent";
    public const string PrivacyPolicy = "PrivacyPolicy";
    public const string UserAgreement = "UserAgreement";
    public const string Footer = "Footer";
    public const string RegisterEnabled = "RegisterEnabled";
    public const string PasswordLoginEnabled = "PasswordLoginEnabled";
    public const string QuotaForNewUser = "QuotaForNewUser";
    public const string QuotaForInviter = "QuotaForInviter";
    public const string QuotaPerUnit = "QuotaPerUnit";
    public const string DisplayInCurrencyEnabled = "DisplayInCurrencyEnabled";
    public const string TopUpLink = "TopUpLink";
    public const string ModelRatio = StoredPricingOptions.ModelRatio;
    public const string CompletionRatio = StoredPricingOptions.CompletionRatio;
    public const string GroupRatio = StoredPricingOptions.GroupRatio;
    public const string UserUsableGroups = "UserUsableGroups";
    public const string GroupSelectionPolicies = StoredSelectionOptions.GroupSelectionPolicies;
    public const string RateLimits = StoredRateLimitOptions.RateLimits;
    public const string PrefillGroups = "PrefillGroups";
    public const string ModelMetas = "ModelMetas";
    public const string Vendors = "Vendors";

    public static readonly FrozenDictionary<string, OptionDefinition> Definitions = new OptionDefinition[]
    {
        new(SystemName, OptionKind.Text, "LlmRelay", Min: 1, Max: 64),
        new(Notice, OptionKind.Text, ""),
        new(About, OptionKind.Text, ""),
        new(HomePageContent, OptionKind.Text, ""),
        new(PrivacyPolicy, OptionKind.Text, ""),
        new(UserAgreement, OptionKind.Text, ""),
        new(Footer, OptionKind.Text, ""),
        new(RegisterEnabled, OptionKind.Boolean, "true"),
        new(PasswordLoginEnabled, OptionKind.Boolean, "true"),
        new(QuotaForNewUser, OptionKind.Integer, "0", Max: 1_000_000_000_000_000),
        new(QuotaForInviter, OptionKind.Integer, "0", Max: 1_000_000_000_000_000),

        // 0 would make every price divide by zero when shown as currency.
        new(QuotaPerUnit, OptionKind.Integer, "500000", Min: 1, Max: 1_000_000_000_000),
        new(DisplayInCurrencyEnabled, OptionKind.Boolean, "true"),
        new(TopUpLink, OptionKind.Url, ""),
        new(ModelRatio, OptionKind.RatioMap, "{}"),
        new(CompletionRatio, OptionKind.RatioMap, "{}"),
        new(GroupRatio, OptionKind.RatioMap, """{"default":1}"""),
        new(UserUsableGroups, OptionKind.TextMap, """{"default":"Default group"}"""),
        new(GroupSelectionPolicies, OptionKind.TextMap, "{}"),
        new(RateLimits, OptionKind.RateLimits, "{}"),
        new(PrefillGroups, OptionKind.Internal, "[]"),
        new(ModelMetas, OptionKind.Internal, "[]"),
        new(Vendors, OptionKind.Internal, "[]"),
    }.ToFrozenDictionary(static d => d.Key, StringComparer.Ordinal);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IServiceScopeFactory scopeFactory;
    private readonly TokenCache tokenCache;
    private readonly ModelPricing pricing;
    private readonly ChannelCatalogProvider catalog;
    private readonly IEnumerable<IChannelSelectionPolicy> selectionPolicies;
    private readonly RelayRateLimiter rateLimiter;
    private readonly IRelayChangeNotifier changes;
    private readonly IDisposable _subscription;
    private volatile FrozenDictionary<string, string>? _values;

    public SystemSettings(
        IServiceScopeFactory scopeFactory,
        TokenCache tokenCache,
        ModelPricing pricing,
        ChannelCatalogProvider catalog,
        IEnumerable<IChannelSelectionPolicy> selectionPolicies,
        RelayRateLimiter rateLimiter,
        IRelayChangeNotifier changes)
    {
        this.rateLimiter = rateLimiter;
        this.scopeFactory = scopeFactory;
        this.tokenCache = tokenCache;
        this.pricing = pricing;
        this.catalog = catalog;
        this.selectionPolicies = selectionPolicies;
        this.changes = changes;

        // Another instance stored options (issue #18): read them again from the store at the next GetAsync.
        _subscription = changes.Subscribe(kinds =>
        {
            if ((kinds & (RelayChangeKinds.Options | RelayChangeKinds.Models)) != 0)
            {
                _values = null;
            }
        });
    }

    public async ValueTask<string> GetAsync(string key, CancellationToken cancellationToken)
    {
        var values = _values ?? await LoadAsync(cancellationToken).ConfigureAwait(false);
        return values.TryGetValue(key, out var value) ? value : Definitions[key].Default;
    }

    public async ValueTask<bool> GetBoolAsync(string key, CancellationToken cancellationToken) =>
        bool.TryParse(await GetAsync(key, cancellationToken).ConfigureAwait(false), out var value) && value;

    public async ValueTask<long> GetLongAsync(string key, CancellationToken cancellationToken) =>
        long.TryParse(await GetAsync(key, cancellationToken).ConfigureAwait(false), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    public async ValueTask<Dictionary<string, double>> GetRatiosAsync(string key, CancellationToken cancellationToken)
    {
        var text = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(text, ManagementJsonContext.Default.DictionaryStringDouble) ?? [];
    }

    public async ValueTask<Dictionary<string, string>> GetTextMapAsync(string key, CancellationToken cancellationToken)
    {
        var text = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(text, ManagementJsonContext.Default.DictionaryStringString) ?? [];
    }

    /// <summary>Returns every public option with its current value.</summary>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, string>>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var definition in Definitions.Values.Where(static d => d.Kind != OptionKind.Internal).OrderBy(static d => d.Key, StringComparer.Ordinal))
        {
            list.Add(new(definition.Key, await GetAsync(definition.Key, cancellationToken).ConfigureAwait(false)));
        }

        return list;
    }

    /// <summary>Validates <paramref name="value"/> for <paramref name="key"/>; returns an error message naming the problem, or <see langword="null"/>.</summary>
    public static string? Validate(string key, string value, bool allowInternal = false)
    {
        if (!Definitions.TryGetValue(key, out var definition) || (definition.Kind == OptionKind.Internal && !allowInternal))
        {
            return $"Option '{key}' does not exist.";
        }

        return definition.Check(value);
    }

    /// <summary>Reads an option's value from JSON: dashboards send booleans and numbers as JSON values, and options are stored as text; <see langword="null"/> for null.</summary>
    public static string? TextOf(JsonElement raw) => raw.ValueKind switch
    {
        JsonValueKind.String => raw.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number or JsonValueKind.Object or JsonValueKind.Array => raw.GetRawText(),
        _ => null,
    };

    /// <summary>Validates what <see cref="Validate"/> cannot check alone: the selection policy names against the registered policies.</summary>
    public string? ValidateRegistered(string key, string value) =>
        key == GroupSelectionPolicies ? StoredSelectionOptions.Validate(value, selectionPolicies) : null;

    /// <summary>Stores already validated values and publishes them to readers.</summary>
    public async Task SetAsync(IReadOnlyList<SystemOption> options, CancellationToken cancellationToken)
    {
        // Load the stored values first, so the published copy (and the pricing built from it) keeps the options not set now.
        _ = _values ?? await LoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var scope = scopeFactory.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                await scope.ServiceProvider.GetRequiredService<IOptionStore>().SetAsync(options, cancellationToken).ConfigureAwait(false);
            }

            var values = new Dictionary<string, string>(_values ?? FrozenDictionary<string, string>.Empty, StringComparer.Ordinal);
            foreach (var option in options)
            {
                values[option.Key] = option.Value;
            }

            _values = values.ToFrozenDictionary(StringComparer.Ordinal);
            if (options.Any(static o => o.Key == GroupSelectionPolicies))
            {
                // Layered over LlmRelay:Selection; the next relay call picks channels by the new policies.
                catalog.SetSelectionOverrides(StoredSelectionOptions.Parse(values.GetValueOrDefault(GroupSelectionPolicies)));
                await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
            }

            if (options.Any(static o => o.Key == RateLimits))
            {
                // Layered over LlmRelay:RateLimits; the next relay call is checked against the new limits.
                rateLimiter.SetStoredLimits(values.GetValueOrDefault(RateLimits));
            }

            if (options.Any(static o => o.Key == UserUsableGroups))
            {
                tokenCache.Clear();
            }

            if (options.Any(static o => StoredPricingOptions.IsPricingOption(o.Key)))
            {
                // The next relay call is charged at the new ratios: the relay reads ModelPricing, never this copy.
                StoredPricingOptions.Apply(pricing, key => values.GetValueOrDefault(key));
            }

            changes.Publish(RelayChangeKinds.Options
                | (options.Any(static o => o.Key is ModelMetas or Vendors || StoredPricingOptions.IsPricingOption(o.Key)) ? RelayChangeKinds.Models : RelayChangeKinds.None));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<FrozenDictionary<string, string>> LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_values is { } loaded)
            {
                return loaded;
            }

            var scope = scopeFactory.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var stored = await scope.ServiceProvider.GetRequiredService<IOptionStore>().ListAsync(cancellationToken).ConfigureAwait(false);
                var values = stored.Where(static o => Definitions.ContainsKey(o.Key)).ToFrozenDictionary(static o => o.Key, static o => o.Value, StringComparer.Ordinal);
                _values = values;
                return values;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _gate.Dispose();
    }
}
