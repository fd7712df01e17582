using LlmRelay.Channels;

namespace LlmRelay.Configuration;

/// <summary>A gateway key declared in configuration, such as <c>LlmRelay:Tokens:0</c>.</summary>
public sealed class TokenOptions
{
    /// <summary>Gets or sets the token name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the key callers present; configuration sync matches tokens by it.</summary>
    public string Key { get; set; } = "";

    /// <summary>Gets or sets a value indicating whether the token ignores <see cref="RemainQuota"/>.</summary>
    public bool UnlimitedQuota { get; set; }

    /// <summary>Gets or sets the quota the token starts with when it is first created.</summary>
    public long RemainQuota { get; set; }

    /// <summary>Gets the models the token may use; empty means all.</summary>
    public IList<string> Models { get; init; } = [];

    /// <summary>Gets the client addresses or CIDR ranges (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) the token may be used from; empty means any.</summary>
    public IList<string> AllowIps { get; init; } = [];

    /// <summary>Gets or sets the group whose channels the token uses.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    public string Group { get; set; } = RelayGroups.Default;
}
