namespace LlmRelay.Health;

/// <summary>How an upstream failure counts against the channel key that produced it.</summary>
internal enum ChannelFailureKind
{
    /// <summary>The upstream may answer next time (429, 5xx, timeout, connection error); counts towards the circuit breaker.</summary>
    Transient,

    /// <summary>The key will not work again without a person (invalid or revoked key, exhausted billing); disables the key at once.</summary>
    Definitive,
}
