using LlmRelay.Channels;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>A stored key the protector cannot decrypt is reported and kept in its stored form, never turned into an empty key.</summary>
public sealed class UnreadableChannelKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ReadWithALostKey_CountsTheKey_AndSavingKeepsItsStoredForm(string provider)
    {
        var protector = new PrefixProtector();
        await using var database = await TestDatabase.CreateAsync(provider, configure: services => services.AddSingleton<ISecretProtector>(protector));
        var channel = new RelayChannel { Name = "c", BaseUrl = "https://api.example.com", Keys = ["sk-readable", "sk-lost"], Models = ["m"] };
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        protector.Lost = "enc:sk-lost";
        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
            var found = (await store.FindAsync(channel.Id, Ct))!;
            Assert.Equal(1, found.UnreadableKeyCount);
            Assert.Equal(["sk-readable", "enc:sk-lost"], found.Keys);
            Assert.Equal(1, Assert.Single(await store.ListAsync(Ct)).UnreadableKeyCount);

            found.Weight = 5;
            await store.UpdateAsync(found, Ct);
        }

        protector.Lost = null;
        await using (var scope = database.CreateScope())
        {
            var found = (await scope.ServiceProvider.GetRequiredService<IChannelStore>().FindAsync(channel.Id, Ct))!;
            Assert.Equal(0, found.UnreadableKeyCount);
            Assert.Equal(["sk-readable", "sk-lost"], found.Keys);
        }
    }

    // "Encrypts" with a prefix; the value named by Lost cannot be decrypted, as if its key had left the ring.
    private sealed class PrefixProtector : ISecretProtector
    {
        public volatile string? Lost;

        public string Protect(string plaintext) => plaintext.StartsWith("enc:", StringComparison.Ordinal) ? plaintext : "enc:" + plaintext;

        public string Unprotect(string stored) =>
            stored == Lost ? throw new System.Security.Cryptography.CryptographicException("lost") : stored.StartsWith("enc:", StringComparison.Ordinal) ? stored[4..] : stored;
    }
}
