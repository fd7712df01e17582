using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The PostgreSQL flavour of <see cref="LlmRelayDbContext"/>; owns the migrations in <c>Migrations/PostgreSql</c>.</summary>
/// <param name="options">The options, configured with <c>UseNpgsql</c>.</param>
internal sealed class PostgreSqlLlmRelayDbContext(DbContextOptions<PostgreSqlLlmRelayDbContext> options) : LlmRelayDbContext(options)
{
    public override RelayDatabaseProvider Provider => RelayDatabaseProvider.PostgreSql;
}
