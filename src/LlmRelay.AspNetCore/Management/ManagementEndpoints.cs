using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Groups;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Logs;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.AspNetCore.Management.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management;

/// <summary>Maps the management API (<c>/api/...</c>) when <c>AddManagementApi()</c> registered its services.</summary>
internal static class ManagementEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        if (group.ServiceProvider.GetService<ManagementMarker>() is null)
        {
            return;
        }

        // Resolved now so that a malformed LlmRelay:Management:AllowedOrigins stops the start, not the first request.
        _ = group.ServiceProvider.GetRequiredService<CrossSiteRequestPolicy>();
        var api = group.MapGroup("/api");
        api.AddEndpointFilter(BodyLimitFilter.Api);
        SystemEndpoints.Map(api);
        UserEndpoints.Map(api);
        TokenEndpoints.Map(api);
        ChannelEndpoints.Map(api);
        GroupEndpoints.Map(api);
        RedemptionEndpoints.Map(api);
        Models.MetadataEndpoints.Map(api);
        LogEndpoints.Map(api);
        Tasks.TaskEndpoints.Map(api);
        Admin.AdminEndpoints.Map(group);
    }
}
