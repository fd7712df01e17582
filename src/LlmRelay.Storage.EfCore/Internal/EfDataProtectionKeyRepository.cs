using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Keeps the ASP.NET Core Data Protection key ring in the LlmRelay database, so every instance on it shares one ring (issue #18).</summary>
/// <remarks>
/// What <c>PersistKeysToDbContext</c> does, on LlmRelay's own context and migrations: a session cookie or a channel key encrypted
/// by one instance is read by the others. Data Protection calls it synchronously (and rarely: at start and when a key is made),
/// so it uses EF Core's synchronous API; it is not on a request's path. Thread-safe: each call uses its own context.
/// </remarks>
internal sealed class EfDataProtectionKeyRepository(IDbContextFactory<LlmRelayDbContext> contexts) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = contexts.CreateDbContext();
        return [.. db.DataProtectionKeys.AsNoTracking().OrderBy(static k => k.Id).Select(static k => k.Xml).AsEnumerable().Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var db = contexts.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKeyRecord { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
