using LlmRelay.Configuration;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.Selection;

/// <summary>Holds the current <see cref="ChannelCatalog"/> and rebuilds it from the store on demand.</summary>
/// <remarks>Thread-safe: readers see either the old or the new catalog, never a partial one.</remarks>
internal sealed class ChannelCatalogProvider(IServiceScopeFactory scopeFactory, IOptions<LlmRelayOptions> options)
{
    private volatile ChannelCatalog _current = ChannelCatalog.Empty;

    public ChannelCatalog Current => _current;

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var scope = scopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            var channels = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            _current = new ChannelCatalog(channels, options.Value);
        }
    }
}
