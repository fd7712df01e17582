using LlmRelay.Storage;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>Site state the <c>/api</c> routes and the dashboard share: whether set-up has run.</summary>
/// <remarks>Scoped, like the stores it reads.</remarks>
internal sealed class SiteService(IUserStore users, IRelayDatabase database)
{
    /// <summary>Gets whether set-up has run (the root user exists).</summary>
    public Task<bool> IsSetUpAsync(CancellationToken cancellationToken) => users.RootExistsAsync(cancellationToken);

    /// <summary>Describes set-up as <c>GET /api/setup</c> answers it.</summary>
    public async Task<SetupView> GetSetupAsync(CancellationToken cancellationToken)
    {
        var done = await IsSetUpAsync(cancellationToken).ConfigureAwait(false);
        return new SetupView(done, done, database.GetType().Name.Contains("Ef", StringComparison.Ordinal) ? "sql" : "unknown");
    }
}
