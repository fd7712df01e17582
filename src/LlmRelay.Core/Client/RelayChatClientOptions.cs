namespace LlmRelay.Client;

/// <summary>Configures a <see cref="RelayChatClient"/>: whose quota it spends, which group it routes in, which model it asks for by default.</summary>
/// <remarks>Read once when the client is created; create another client for other settings.</remarks>
public sealed class RelayChatClientOptions
{
    /// <summary>Gets or sets the gateway token (<c>sk-...</c>) whose quota, group and model allow-list the calls use.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: an internal, unlimited in-process identity that routes in
    /// <see cref="Group"/> and still writes a usage-log row per call, with the token name <c>in-process</c>.
    /// </value>
    public string? TokenKey { get; set; }

    /// <summary>Gets or sets the channel group the in-process identity routes in; ignored when <see cref="TokenKey"/> is set (the token's group wins).</summary>
    /// <value>The default value is <c>default</c>.</value>
    public string Group { get; set; } = Channels.RelayGroups.Default;

    /// <summary>Gets or sets the model used when a call's <c>ChatOptions.ModelId</c> is not set.</summary>
    /// <value>The default value is <see langword="null"/>: every call must name its model.</value>
    public string? DefaultModel { get; set; }
}
