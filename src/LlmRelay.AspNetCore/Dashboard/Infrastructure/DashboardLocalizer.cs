using Microsoft.Extensions.Localization;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>A dictionary-based <see cref="IStringLocalizer"/> for the dashboard's English and Chinese strings (<see cref="DashboardStrings"/>).</summary>
internal sealed class DashboardLocalizer(string language) : IStringLocalizer
{
    public string Language { get; } = DashboardStrings.Normalize(language);

    public LocalizedString this[string name]
    {
        get
        {
            var value = DashboardStrings.Find(Language, name);
            return new LocalizedString(name, value ?? name, resourceNotFound: value is null);
        }
    }

    public LocalizedString this[string name, params object[] arguments]
    {
        get
        {
            var format = this[name];
            return new LocalizedString(name, string.Format(System.Globalization.CultureInfo.InvariantCulture, format.Value, arguments), format.ResourceNotFound);
        }
    }

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) =>
        DashboardStrings.Keys.Select(key => this[key]);
}
