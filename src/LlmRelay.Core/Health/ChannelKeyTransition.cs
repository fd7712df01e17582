namespace LlmRelay.Health;

/// <summary>The state change a report caused, so the tracker can log and notify outside the key's lock.</summary>
internal enum ChannelKeyTransition
{
    None,
    Opened,
    Closed,
    Disabled,
    Enabled,
}
