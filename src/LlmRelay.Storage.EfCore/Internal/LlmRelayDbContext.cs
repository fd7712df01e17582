using LlmRelay.Channels;
using LlmRelay.Management;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The provider-neutral EF Core model of LlmRelay's tables.</summary>
/// <remarks>
/// Each provider has a subclass (<see cref="SqliteLlmRelayDbContext"/>, <see cref="PostgreSqlLlmRelayDbContext"/>)
/// so that it gets its own migration set; the model itself is defined once, here.
/// </remarks>
internal abstract class LlmRelayDbContext : DbContext
{
    /// <summary>Initializes a new instance of the <see cref="LlmRelayDbContext"/> class.</summary>
    /// <param name="options">The provider subclass's options.</param>
    protected LlmRelayDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>Gets the database engine this context talks to.</summary>
    public abstract RelayDatabaseProvider Provider { get; }

    public DbSet<RelayChannel> Channels => Set<RelayChannel>();

    public DbSet<ApiToken> Tokens => Set<ApiToken>();

    public DbSet<UsageLog> UsageLogs => Set<UsageLog>();

    public DbSet<UsageHour> UsageHours => Set<UsageHour>();

    public DbSet<UserUsageHour> UserUsageHours => Set<UserUsageHour>();

    public DbSet<RelayUser> Users => Set<RelayUser>();

    public DbSet<SystemOption> Options => Set<SystemOption>();

    public DbSet<RedemptionCode> Redemptions => Set<RedemptionCode>();

    public DbSet<ChannelState> ChannelStates => Set<ChannelState>();

    public DbSet<QuotaReservationRecord> QuotaReservations => Set<QuotaReservationRecord>();

    public DbSet<RelayInstance> RelayInstances => Set<RelayInstance>();

    public DbSet<LlmRelay.Tasks.RelayTask> Tasks => Set<LlmRelay.Tasks.RelayTask>();
    public DbSet<DataProtectionKeyRecord> DataProtectionKeys => Set<DataProtectionKeyRecord>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or ORDER BY DateTimeOffset; Unix milliseconds sort the same on both providers.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        LlmRelayModel.Configure(modelBuilder);
    }
}
