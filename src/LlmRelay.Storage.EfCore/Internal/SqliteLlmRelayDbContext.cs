using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The SQLite flavour of <see cref="LlmRelayDbContext"/>; owns the migrations in <c>Migrations/Sqlite</c>.</summary>
/// <param name="options">The options, configured with <c>UseSqlite</c>.</param>
internal sealed class SqliteLlmRelayDbContext(DbContextOptions<SqliteLlmRelayDbContext> options) : LlmRelayDbContext(options)
{
    public override RelayDatabaseProvider Provider => RelayDatabaseProvider.Sqlite;
}
