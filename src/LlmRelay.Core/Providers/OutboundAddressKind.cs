namespace LlmRelay.Providers;

/// <summary>How <see cref="OutboundAddressPolicy"/> treats an address.</summary>
internal enum OutboundAddressKind
{
    /// <summary>A public unicast address: always allowed.</summary>
    Public,

    /// <summary>Loopback, private, CGNAT, benchmark or unspecified: allowed only with <c>LlmRelay:Outbound:AllowPrivateAddresses</c>.</summary>
    Private,

    /// <summary>Link-local, multicast, reserved or a cloud metadata endpoint: never allowed.</summary>
    Never,
}
