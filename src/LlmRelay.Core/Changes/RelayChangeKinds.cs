namespace LlmRelay.Changes;

/// <summary>What a management write changed, as told to the other gateway instances on the same database.</summary>
/// <remarks>A flags value: one notification can name several kinds, and receivers coalesce notifications that arrive close together.</remarks>
[Flags]
public enum RelayChangeKinds
{
    /// <summary>Nothing changed.</summary>
    None = 0,

    /// <summary>Channels were added, edited, enabled, disabled or deleted: the channel catalog is rebuilt from the store.</summary>
    Channels = 1,

    /// <summary>Gateway keys (tokens) were added, edited or deleted: the token cache is dropped.</summary>
    Tokens = 2,

    /// <summary>Users were edited (status, group, quota): the token cache, whose entries carry their owner's state, is dropped.</summary>
    Users = 4,

    /// <summary>System options were stored (pricing, selection policies, usable groups, site settings, admin password).</summary>
    Options = 8,

    /// <summary>Model metadata or prices were stored.</summary>
    Models = 16,

    /// <summary>
    /// The stored state of channel keys changed (a key disabled by failures, enabled again by its re-test, or by an
    /// administrator): the disabled keys are reloaded from the store.
    /// </summary>
    ChannelKeys = 32,

    /// <summary>Everything: sent to subscribers after a transport reconnects, because changes may have been missed meanwhile.</summary>
    All = Channels | Tokens | Users | Options | Models | ChannelKeys,
}
