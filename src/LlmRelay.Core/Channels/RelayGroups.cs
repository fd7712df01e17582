namespace LlmRelay.Channels;

/// <summary>Well-known group names.</summary>
public static class RelayGroups
{
    /// <summary>The group used when a channel, token or user names none.</summary>
    public const string Default = "default";
}
