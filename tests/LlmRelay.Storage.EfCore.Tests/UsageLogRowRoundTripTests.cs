using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>Every column of a usage-log row written by the batch path reads back unchanged through EF Core, text in any script included.</summary>
/// <remarks>The one exception: PostgreSQL text cannot hold U+0000, so the PostgreSQL path drops it rather than fail the batch.</remarks>
public sealed class UsageLogRowRoundTripTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task EveryColumn_ReadsBackAsWritten(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var written = new[]
        {
            new UsageLog
            {
                CreatedAt = TestData.Time,
                Type = UsageLogType.Error,
                UserId = 0,
                TokenId = 0,
                TokenName = "键 ключ 🔑",
                ModelName = "gpt-4o-mini",
                ChannelId = 42,
                ChannelName = "канал \"quoted\" 'single'",
                Group = "vip",
                Quota = 0,
                PromptTokens = 1_234_567,
                CompletionTokens = 0,
                UseTimeMs = int.MaxValue,
                FirstByteMs = null,
                IsStream = true,
                StatusCode = 502,
                Content = "上游错误 \u0000 after NUL",
                Ip = "2001:db8::1",
                RequestId = "0HN7:00000001",
                Other = UsageDetails.Parse("""{"usage":"estimated","ratio":1.5}"""),
            },
            new UsageLog
            {
                CreatedAt = TestData.Time.AddDays(1),
                Type = UsageLogType.Consume,
                ModelName = "",
                Quota = long.MaxValue / 2,
                FirstByteMs = 0,
                IsStream = false,
                StatusCode = 200,
            },
        };

        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(written, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            foreach (var expected in written)
            {
                Assert.True(expected.Id > 0);
                var stored = await db.UsageLogs.AsNoTracking().SingleAsync(l => l.Id == expected.Id, Ct);
                if (provider == TestDatabase.PostgreSql)
                {
                    expected.Content = expected.Content.Replace("\0", "", StringComparison.Ordinal);
                }

                Assert.Equivalent(Project(expected), Project(stored), strict: true);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task UsageDetails_AreStoredAsTheirJsonText_AndReadBackTyped(string provider)
    {
        var database = await fixture.GetAsync(provider);
        const string Estimated = """{"model_ratio":2.5,"completion_ratio":4,"cache_ratio":0.1,"cache_creation_ratio":1.25,"cache_creation_1h_ratio":2,"group_ratio":0.75,"cached_tokens":1088,"cache_creation_tokens":12,"cache_creation_1h_tokens":5,"reasoning_tokens":64,"first_byte_ms":312,"usage":"estimated"}""";
        const string FixedPrice = """{"model_price":0.04,"group_ratio":1.5,"first_byte_ms":-1}""";
        const string Older = """{"model_ratio":2.5,"group_ratio":1,"frt":312}"""; // a row of an older version, another member order
        UsageDetails[] details =
        [
            new()
            {
                ModelRatio = 2.5, CompletionRatio = 4, CacheRatio = 0.1, CacheCreationRatio = 1.25, CacheCreation1hRatio = 2, GroupRatio = 0.75,
                CachedTokens = 1088, CacheCreationTokens = 12, CacheCreation1hTokens = 5, ReasoningTokens = 64, FirstByteMs = 312, IsUsageEstimated = true,
            },
            new() { ModelPrice = 0.04, GroupRatio = 1.5, FirstByteMs = -1 },
            UsageDetails.None,
            UsageDetails.Parse(Older),
        ];
        string[] texts = [Estimated, FixedPrice, "", Older];
        var batch = details.Select(static d => new UsageLog { CreatedAt = TestData.Time, TokenId = 0, Other = d }).ToArray();
        var saved = new UsageLog { CreatedAt = TestData.Time, TokenId = 0, Other = details[0] };

        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, Ct); // the batch inserter
            var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            db.UsageLogs.Add(saved); // EF Core's own SaveChanges
            await db.SaveChangesAsync(Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            foreach (var (row, text) in batch.Append(saved).Zip(texts.Append(Estimated)))
            {
                var column = await db.Database.SqlQuery<string>($"SELECT other AS \"Value\" FROM usage_logs WHERE id = {row.Id}").SingleAsync(Ct);
                Assert.Equal(text, column);
                var stored = (await db.UsageLogs.AsNoTracking().SingleAsync(l => l.Id == row.Id, Ct)).Other;
                Assert.Equal(text, stored.ToJson());
                Assert.Equivalent(Typed(row.Other), Typed(stored), strict: true);
            }
        }
    }

    private static object Typed(UsageDetails d) => new
    {
        d.ModelPrice, d.ModelRatio, d.CompletionRatio, d.CacheRatio, d.CacheCreationRatio, d.CacheCreation1hRatio, d.GroupRatio,
        d.CachedTokens, d.CacheCreationTokens, d.CacheCreation1hTokens, d.ReasoningTokens, d.FirstByteMs, d.IsUsageEstimated,
    };

    private static object Project(UsageLog l) => new
    {
        l.Id, CreatedAt = l.CreatedAt.ToUnixTimeMilliseconds(), l.Type, l.UserId, l.TokenId, l.TokenName, l.ModelName, l.ChannelId, l.ChannelName,
        l.Group, l.Quota, l.PromptTokens, l.CompletionTokens, l.UseTimeMs, l.FirstByteMs, l.IsStream, l.StatusCode, l.Content, l.Ip,
        l.RequestId, Other = l.Other.ToJson(),
    };
}
