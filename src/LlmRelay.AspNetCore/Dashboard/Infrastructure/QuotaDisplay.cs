using System.Globalization;
using LlmRelay.AspNetCore.Management.Site;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Shows an amount of quota as the operator chose: US dollars when <c>DisplayInCurrencyEnabled</c> (at <c>QuotaPerUnit</c> quota per dollar), else as quota.</summary>
/// <param name="InCurrency">Whether amounts are shown in dollars.</param>
/// <param name="QuotaPerUnit">The quota one dollar buys (option <c>QuotaPerUnit</c>; 500,000 by default).</param>
internal sealed record QuotaDisplay(bool InCurrency, long QuotaPerUnit)
{
    /// <summary>Reads the two display options.</summary>
    public static async Task<QuotaDisplay> LoadAsync(SystemSettings settings, CancellationToken cancellationToken) =>
        new(
            await settings.GetBoolAsync(SystemSettings.DisplayInCurrencyEnabled, cancellationToken).ConfigureAwait(false),
            await settings.GetLongAsync(SystemSettings.QuotaPerUnit, cancellationToken).ConfigureAwait(false));

    /// <summary>Formats <paramref name="quota"/>: <c>$0.15</c> (up to six decimals) in currency, else <c>75,000</c>.</summary>
    public string Format(long quota) =>
        InCurrency && QuotaPerUnit > 0
            ? "$" + ((decimal)quota / QuotaPerUnit).ToString("#,0.00####", CultureInfo.InvariantCulture)
            : DisplayFormat.Num(quota);
}
