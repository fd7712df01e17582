using LlmRelay.AspNetCore.Dashboard;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Status;

/// <summary>Maps the public status page.</summary>
internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder group, string path, DashboardEndpointCatalog catalog, DashboardOptions options)
    {
    }
}
