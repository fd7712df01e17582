using System.Globalization;
using LlmRelay.AspNetCore.Management.Site;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>How the dashboard shows an amount of quota: as US dollars when the <c>DisplayInCurrencyEnabled</c> option is on (<c>QuotaPerUnit</c> quota to the dollar), else as the raw number.</summary>
/// <param name="InCurrency">Whether amounts are shown as currency.</param>
/// <param name="QuotaPerUnit">How much quota makes one dollar; at least 1.</param>
internal sealed record QuotaDisplay(bool InCurrency, long QuotaPerUnit)
{
    /// <summary>Shows raw quota numbers.</summary>
    public static readonly QuotaDisplay Raw = new(false, 1);

    /// <summary>Reads the two options.</summary>
    public static async Task<QuotaDisplay> ReadAsync(SystemSettings settings, CancellationToken cancellationToken)
    {
        var currency = await settings.GetBoolAsync(SystemSettings.DisplayInCurrencyEnabled, cancellationToken).ConfigureAwait(false);
        var perUnit = await settings.GetLongAsync(SystemSettings.QuotaPerUnit, cancellationToken).ConfigureAwait(false);
        // QuotaPerUnit 0 (the API accepts any non-negative integer) would divide by zero: show raw numbers then.
        return currency && perUnit > 0 ? new QuotaDisplay(true, perUnit) : Raw;
    }

    /// <summary>Gets the amount in dollars, or <see langword="null"/> when amounts are shown raw.</summary>
    public decimal? Dollars(long quota) => InCurrency ? (decimal)quota / QuotaPerUnit : null;

    /// <summary>Formats <paramref name="quota"/>: "$0.000084" in currency (up to six decimals), "42" otherwise.</summary>
    public string Format(long quota) =>
        Dollars(quota) is { } dollars
            ? (dollars < 0 ? "-$" : "$") + Math.Abs(dollars).ToString("#,0.######", CultureInfo.InvariantCulture)
            : DisplayFormat.Num(quota);

    /// <summary>Formats a price: like <see cref="Format"/>, with at least two decimals in currency ("$5.00", "$0.000084").</summary>
    public string Price(long quota) =>
        Dollars(quota) is { } dollars
            ? (dollars < 0 ? "-$" : "$") + Math.Abs(dollars).ToString("#,0.00####", CultureInfo.InvariantCulture)
            : DisplayFormat.Num(quota);
}
