namespace LlmRelay.Providers;

/// <summary>Thrown when <see cref="OutboundAddressPolicy"/> refuses every address of an upstream; the HTTP stack reports it as a connection failure.</summary>
internal sealed class OutboundAddressDeniedException(string message) : IOException(message);
