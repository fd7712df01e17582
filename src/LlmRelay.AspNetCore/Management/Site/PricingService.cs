using LlmRelay.Storage;
using LlmRelay.Pricing;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>What the gateway serves and what each model costs: <c>GET /api/pricing</c> and the dashboard's models page (issue #15).</summary>
/// <remarks>
/// Prices come from <see cref="ModelPricing"/> (built-in table, configuration, the ratio options) resolved per model as
/// <c>RelayMetering</c> does: by the caller's model name when priced, else by the model a channel maps it to.
/// </remarks>
internal sealed class PricingService(ModelPricing pricing, IChannelStore channels)
{
    /// <summary>Returns every model of an enabled channel, with its price and serving groups, sorted by name.</summary>
    public async Task<IReadOnlyList<ModelOffer>> ListAsync(CancellationToken cancellationToken)
    {
        var groupsByModel = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var mappedTo = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var channel in await channels.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (channel.Status != LlmRelay.Channels.ChannelStatus.Enabled)
            {
                continue;
            }

            foreach (var (alias, target) in channel.ModelMapping)
            {
                mappedTo.TryAdd(alias, target);
            }

            foreach (var model in channel.Models.Concat(channel.ModelMapping.Keys))
            {
                if (!groupsByModel.TryGetValue(model, out var groups))
                {
                    groupsByModel[model] = groups = new SortedSet<string>(StringComparer.Ordinal);
                }

                groups.UnionWith(channel.Group.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }

        return groupsByModel.Select(p =>
        {
            if (!pricing.TryResolve(p.Key, out var price) && mappedTo.TryGetValue(p.Key, out var target))
            {
                price = pricing.Resolve(target);
            }

            return new ModelOffer(p.Key, price, [.. p.Value]);
        }).ToList();
    }
}
