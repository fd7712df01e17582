namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Marks that <c>AddGatewayKeyAuthentication()</c> ran, so that repeated calls add nothing.</summary>
internal sealed class GatewayKeyMarker;
