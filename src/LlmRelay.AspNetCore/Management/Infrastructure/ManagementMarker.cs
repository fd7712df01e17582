namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Registered by <c>AddManagementApi()</c>; its presence tells <c>MapLlmRelay()</c> to map the management routes.</summary>
internal sealed class ManagementMarker;
