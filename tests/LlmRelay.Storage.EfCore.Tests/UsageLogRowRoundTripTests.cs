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

    private static object Project(UsageLog l) => new
    {
        l.Id, CreatedAt = l.CreatedAt.ToUnixTimeMilliseconds(), l.Type, l.UserId, l.TokenId, l.TokenName, l.ModelName, l.ChannelId, l.ChannelName,
        l.Group, l.Quota, l.PromptTokens, l.CompletionTokens, l.UseTimeMs, l.FirstByteMs, l.IsStream, l.StatusCode, l.Content, l.Ip,
        l.RequestId, Other = l.Other.ToJson(),
    };
}
