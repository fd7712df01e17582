namespace LlmRelay.Health;

/// <summary>The circuit state of one channel key.</summary>
internal enum ChannelKeyState
{
    /// <summary>Calls flow; failures are counted in the sliding window.</summary>
    Closed,

    /// <summary>Too many recent failures; calls are refused until the break ends.</summary>
    Open,

    /// <summary>The break has ended; one probe call decides whether the key closes or opens again.</summary>
    HalfOpen,

    /// <summary>A definitive failure took the key out of rotation until it is enabled again.</summary>
    Disabled,
}
