namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>One ASP.NET Core Data Protection key, as XML: a row of <c>data_protection_keys</c> (see <see cref="EfDataProtectionKeyRepository"/>).</summary>
internal sealed class DataProtectionKeyRecord
{
    /// <summary>Gets or sets the row id.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets the key's friendly name (<c>key-{guid}</c>).</summary>
    public string? FriendlyName { get; set; }

    /// <summary>Gets or sets the key's XML element, as Data Protection wrote it.</summary>
    public string Xml { get; set; } = "";
}
