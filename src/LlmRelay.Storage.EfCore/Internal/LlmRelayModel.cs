using LlmRelay.Channels;
using LlmRelay.Management;
using LlmRelay.Tasks;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The one place that maps the domain entities to tables, shared by every provider.</summary>
internal static class LlmRelayModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RelayChannel>(static channel =>
        {
            channel.ToTable("channels");
            channel.HasKey(static c => c.Id);
            channel.HasIndex(static c => c.Name).IsUnique();
            channel.Property(static c => c.Keys)
                .HasConversion(JsonColumns.StringListConverter, JsonColumns.StringListComparer);
            channel.Ignore(static c => c.UnreadableKeyCount);
            channel.Property(static c => c.Models)
                .HasConversion(JsonColumns.StringListConverter, JsonColumns.StringListComparer);
            channel.Property(static c => c.ModelMapping)
                .HasConversion(JsonColumns.StringDictionaryConverter, JsonColumns.StringDictionaryComparer);
            channel.Property(static c => c.ModelCapabilities)
                .HasConversion(JsonColumns.CapabilityMapConverter, JsonColumns.CapabilityMapComparer)
                .HasColumnName("model_capabilities");

            // Per-channel timeouts in milliseconds; null means the global option applies.
            channel.Property(static c => c.ConnectTimeout).HasConversion<TimeSpanMillisecondsConverter>().HasColumnName("connect_timeout_ms");
            channel.Property(static c => c.FirstByteTimeout).HasConversion<TimeSpanMillisecondsConverter>().HasColumnName("first_byte_timeout_ms");
            channel.Property(static c => c.IdleTimeout).HasConversion<TimeSpanMillisecondsConverter>().HasColumnName("idle_timeout_ms");
        });

        modelBuilder.Entity<ApiToken>(static token =>
        {
            token.ToTable("tokens");
            token.HasKey(static t => t.Id);
            token.HasIndex(static t => t.KeyHash).IsUnique();
            token.HasIndex(static t => t.UserId);
            token.Property(static t => t.Models)
                .HasConversion(JsonColumns.StringListConverter, JsonColumns.StringListComparer);
            token.Property(static t => t.AllowIps)
                .HasConversion(JsonColumns.StringListConverter, JsonColumns.StringListComparer);
        });

        modelBuilder.Entity<UsageLog>(static log =>
        {
            log.ToTable("usage_logs");
            log.Ignore(static l => l.ReservedQuota);

            // The pricing detail is one JSON text, written once here (also by the batch inserter, which compiles this converter in).
            log.Property(static l => l.Other).HasConversion(UsageDetailsColumn.Converter);
            log.HasKey(static l => l.Id);
            // The log's order is (created_at, id): with id in the index, a deep page reads only this index (see EfUsageLogQueries.GetPageAsync).
            log.HasIndex(static l => new { l.CreatedAt, l.Id });
            log.HasIndex(static l => new { l.TokenId, l.CreatedAt });
            log.HasIndex(static l => new { l.UserId, l.CreatedAt });
            log.HasIndex(static l => new { l.ModelName, l.CreatedAt });
            log.HasIndex(static l => new { l.ChannelId, l.CreatedAt });

            // /api/log/?token_name= and the quota/token sums of /api/log/stat over long ranges (covering: no row lookups).
            log.HasIndex(static l => new { l.TokenName, l.CreatedAt });
            log.HasIndex(static l => new { l.Type, l.CreatedAt, l.Quota, l.PromptTokens, l.CompletionTokens });
        });

        // Hourly rollups of usage_logs, kept equal to it by the writer and the pruner (UsageRollup); see EfUsageLogQueries.
        // On SQLite both tables are WITHOUT ROWID, written by hand in the UsageHourlyRollups migration (EF has no option for
        // it): a later migration that rebuilds either table must write its CREATE TABLE by hand again, or it loses that.
        modelBuilder.Entity<UsageHour>(static hour =>
        {
            hour.ToTable("usage_hours");
            hour.HasKey(static h => new { h.Hour, h.Type, h.ModelName, h.ChannelId, h.Group });
        });

        modelBuilder.Entity<UserUsageHour>(static hour =>
        {
            hour.ToTable("usage_user_hours");
            hour.HasKey(static h => new { h.UserId, h.Hour, h.Type, h.ModelName });
        });

        modelBuilder.Entity<RelayUser>(static user =>
        {
            user.ToTable("users");
            user.HasKey(static u => u.Id);
            user.HasIndex(static u => u.Username).IsUnique();
            user.HasIndex(static u => u.AccessTokenHash).IsUnique();
            user.HasIndex(static u => u.AffCode);
            user.Property(static u => u.Username).HasMaxLength(64);
            user.Property(static u => u.SecurityStamp).HasMaxLength(64);
        });

        modelBuilder.Entity<SystemOption>(static option =>
        {
            option.ToTable("options");
            option.HasKey(static o => o.Key);
            option.Property(static o => o.Key).HasMaxLength(128);
        });

        modelBuilder.Entity<RedemptionCode>(static code =>
        {
            code.ToTable("redemptions");
            code.HasKey(static c => c.Id);
            code.HasIndex(static c => c.Key).IsUnique();
            code.Property(static c => c.Key).HasMaxLength(64);
        });

        modelBuilder.Entity<ChannelState>(static state =>
        {
            state.ToTable("channel_states");
            state.HasKey(static s => s.ChannelId);
            state.Property(static s => s.ChannelId).ValueGeneratedNever();
            state.HasIndex(static s => s.Tag);
            state.Property(static s => s.DisabledKeys)
                .HasConversion(JsonColumns.StringListConverter, JsonColumns.StringListComparer);

            // Keys the relay disabled: fingerprints, masked hints, reasons and times as JSON; never the keys themselves.
            state.Property(static s => s.AutoDisabledKeys)
                .HasConversion(JsonColumns.DisabledKeyListConverter, JsonColumns.DisabledKeyListComparer);
        });

        modelBuilder.Entity<QuotaReservationRecord>(static record =>
        {
            record.ToTable("quota_reservations");
            record.HasKey(static r => new { r.InstanceId, r.TokenId });
        });

        modelBuilder.Entity<RelayInstance>(static instance =>
        {
            instance.ToTable("relay_instances");
            instance.HasKey(static i => i.Id);
            instance.Property(static i => i.Id).ValueGeneratedNever();
        });

        // Asynchronous upstream tasks (video generations, issue #17): polled by status and due time, listed newest first.
        modelBuilder.Entity<RelayTask>(static task =>
        {
            task.ToTable("tasks");
            task.HasKey(static t => t.Id);
            task.HasIndex(static t => t.TaskId).IsUnique();
            task.HasIndex(static t => new { t.Status, t.NextPollAt });
            task.HasIndex(static t => new { t.CreatedAt, t.Id });
            task.HasIndex(static t => new { t.UserId, t.CreatedAt });
            task.Property(static t => t.TaskId).HasMaxLength(64);
            task.Property(static t => t.Platform).HasMaxLength(32);
            task.Ignore(static t => t.IsFinished);
        });

        modelBuilder.Entity<DataProtectionKeyRecord>(static key =>
        {
            key.ToTable("data_protection_keys");
            key.HasKey(static k => k.Id);
            key.Property(static k => k.FriendlyName).HasMaxLength(200);
        });

        ApplySnakeCaseNames(modelBuilder);
    }

    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                // A name set explicitly (such as a unit suffix) is kept.
                if (property.FindAnnotation(RelationalAnnotationNames.ColumnName) is null)
                {
                    property.SetColumnName(SnakeCase.Convert(property.Name));
                }
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(key.GetName()!.ToLowerInvariant());
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(index.GetDatabaseName()!.ToLowerInvariant());
            }
        }
    }
}
