using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Users;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class UserStoreTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task QueryAsync_RoleBelow_ListsTheUsersBelowThatRole_AndTheUserNamedByUserId(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var users = new (UserRole Role, string Name)[] { (UserRole.Root, "root"), (UserRole.Admin, "admin"), (UserRole.Admin, "other"), (UserRole.Common, "alice"), (UserRole.Common, "bob") }
            .Select(u => new RelayUser { Username = $"{tag}-{u.Name}", DisplayName = u.Name, Role = u.Role, AffCode = $"{tag}{u.Name}", CreatedAt = TestData.Time })
            .ToList();
        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IUserStore>();
            foreach (var user in users)
            {
                await store.AddAsync(user, Ct);
            }
        }

        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IUserStore>();
            var admin = users[1];
            var asAdmin = await store.QueryAsync(new PageQuery { Keyword = tag, RoleBelow = UserRole.Admin, UserId = admin.Id, PageSize = 100 }, Ct);
            Assert.Equal([$"{tag}-admin", $"{tag}-alice", $"{tag}-bob"], asAdmin.Items.Select(static u => u.Username));
            Assert.Equal(3, asAdmin.Total);

            var asRoot = await store.QueryAsync(new PageQuery { Keyword = tag, RoleBelow = UserRole.Root, UserId = users[0].Id, PageSize = 100 }, Ct);
            Assert.Equal(5, asRoot.Total);
            Assert.Equal(5, (await store.QueryAsync(new PageQuery { Keyword = tag, PageSize = 100 }, Ct)).Total);
        }
    }
}
