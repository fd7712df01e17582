namespace LlmRelay.Internal;

/// <summary>Registered by AddLlmRelay(); MapLlmRelay() checks for it.</summary>
internal sealed class LlmRelayMarker;
