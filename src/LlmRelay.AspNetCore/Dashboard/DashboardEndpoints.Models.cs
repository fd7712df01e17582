using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Formats;
using LlmRelay.Pricing;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The models and pricing page: what the signed-in user can call and what it costs (issue #15).</summary>
internal static partial class DashboardEndpoints
{
    private const long PricedTokens = 1_000_000;

    private static void MapModels(Routes pages) => pages.Get("/models", async r =>
    {
        if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "pricing";
        var display = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
        var rows = await PriceRowsAsync(r, display).ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<ModelsPage>(r.Context, r.Parameters(("Rows", rows), ("InCurrency", display.InCurrency))).ConfigureAwait(false);
    });

    /// <summary>Returns each model the user can call with each group of theirs serving it: the models of enabled channels (<see cref="PricingService"/>, as <c>GET /api/pricing</c>) in the groups the user may give their tokens (<see cref="UsableGroups"/>).</summary>
    private static async Task<List<(ModelOffer Offer, string Group)>> UsableOffersAsync(DashboardRequest r)
    {
        var ct = r.Context.RequestAborted;
        var offers = await r.Service<PricingService>().ListAsync(ct).ConfigureAwait(false);
        var usable = await r.Service<UsableGroups>().ForAsync(r.Actor.Group, ct).ConfigureAwait(false);
        return [.. offers.SelectMany(o => o.Groups.Where(usable.ContainsKey).Select(g => (o, g)))];
    }

    /// <summary>Returns a row per <see cref="UsableOffersAsync"/> entry, priced by <see cref="ModelPricing.ComputeQuota"/> (what billing charges) at the group's ratio.</summary>
    private static async Task<List<ModelPriceRow>> PriceRowsAsync(DashboardRequest r, QuotaDisplay display)
    {
        var pricing = r.Service<ModelPricing>();
        return [.. (await UsableOffersAsync(r).ConfigureAwait(false)).Select(p => p.Offer.Price.FixedPrice is null
            ? new ModelPriceRow(
                p.Offer.ModelName,
                p.Group,
                display.Price(pricing.ComputeQuota(p.Offer.Price, p.Group, new TokenUsage { InputTokens = PricedTokens })),
                display.Price(pricing.ComputeQuota(p.Offer.Price, p.Group, new TokenUsage { OutputTokens = PricedTokens })),
                null)
            : new ModelPriceRow(p.Offer.ModelName, p.Group, null, null, display.Price(pricing.ComputeQuota(p.Offer.Price, p.Group, default))))];
    }
}
