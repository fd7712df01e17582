namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Registered once by the EF Core store extensions; makes repeated calls harmless and records the provider.</summary>
/// <param name="provider">The provider the stores were registered for.</param>
internal sealed class EfCoreStoresMarker(RelayDatabaseProvider provider)
{
    public RelayDatabaseProvider Provider { get; } = provider;
}
