using LlmRelay.AspNetCore.Management.Site;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>One form of the settings page: an area's options, saved together or not at all.</summary>
/// <param name="Name">The area's name, in its form's route (<c>/settings/{name}</c>) and element ids.</param>
/// <param name="Fields">The options it edits.</param>
internal sealed record SettingsSection(string Name, IReadOnlyList<SettingsField> Fields)
{
    /// <summary>The name of the area that is not a form of options: deleting old usage logs.</summary>
    public const string Logs = "logs";

    /// <summary>The areas, in page order (issue #15: general, quota and pricing, registration, relay; logs is its own form).</summary>
    public static readonly IReadOnlyList<SettingsSection> All =
    [
        new("general",
        [
            new(SystemSettings.SystemName, SettingsInput.Text),
            new(SystemSettings.Notice, SettingsInput.LongText),
            new(SystemSettings.About, SettingsInput.LongText),
            new(SystemSettings.HomePageContent, SettingsInput.LongText),
            new(SystemSettings.Footer, SettingsInput.LongText),
            new(SystemSettings.PrivacyPolicy, SettingsInput.LongText),
            new(SystemSettings.UserAgreement, SettingsInput.LongText),
        ]),
        new("quota",
        [
            new(SystemSettings.QuotaPerUnit, SettingsInput.Integer),
            new(SystemSettings.DisplayInCurrencyEnabled, SettingsInput.Boolean),
            new(SystemSettings.TopUpLink, SettingsInput.Url),
            new(SystemSettings.ModelRatio, SettingsInput.Json),
            new(SystemSettings.CompletionRatio, SettingsInput.Json),
            new(SystemSettings.GroupRatio, SettingsInput.Json),
        ]),
        new("registration",
        [
            new(SystemSettings.RegisterEnabled, SettingsInput.Boolean),
            new(SystemSettings.PasswordLoginEnabled, SettingsInput.Boolean),
            new(SystemSettings.QuotaForNewUser, SettingsInput.Integer),
            new(SystemSettings.QuotaForInviter, SettingsInput.Integer),
        ]),
        new("relay",
        [
            new(SystemSettings.UserUsableGroups, SettingsInput.Json),
            new(SystemSettings.GroupSelectionPolicies, SettingsInput.Json),
            new(SystemSettings.RateLimits, SettingsInput.Json),
        ]),
    ];

    /// <summary>Finds an area by name, or <see langword="null"/>.</summary>
    public static SettingsSection? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>The options no area places (an option added later): the page shows them as text in an "other" form.</summary>
    public static SettingsSection Other(IEnumerable<string> listed) =>
        new("other", [.. listed.Where(static key => !All.Any(s => s.Fields.Any(f => f.Key == key))).Select(static key => new SettingsField(key, SettingsInput.LongText))]);
}
