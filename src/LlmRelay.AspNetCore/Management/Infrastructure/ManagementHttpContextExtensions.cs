using System.Globalization;
using LlmRelay.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Helpers shared by the management endpoints.</summary>
internal static class ManagementHttpContextExtensions
{
    /// <summary>Gets the user the <see cref="ManagementAuthFilter"/> authenticated; only valid on routes above <see cref="AccessLevel.Public"/>.</summary>
    public static RelayUser CurrentUser(this HttpContext context) =>
        context.Items[ManagementAuthFilter.UserItemKey] as RelayUser
            ?? throw new InvalidOperationException("The route has no authenticated user.");

    public static RelayUser? OptionalUser(this HttpContext context) => context.Items[ManagementAuthFilter.UserItemKey] as RelayUser;

    /// <summary>Gets whether the request was authenticated by the session cookie (rather than an access token).</summary>
    public static bool IsSession(this HttpContext context) => context.Items.ContainsKey(ManagementAuthFilter.SessionItemKey);

    public static TBuilder At<TBuilder>(this TBuilder builder, AccessLevel level)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(new ManagementAuthFilter(level));
        return builder;
    }

    public static (int Page, int PageSize) Paging(this HttpRequest request)
    {
        var page = int.TryParse(request.Query["p"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var size = int.TryParse(request.Query["page_size"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? Math.Min(s, 100) : 10;
        return (page, size);
    }

    public static long ToUnixSeconds(this DateTimeOffset value) => value.ToUnixTimeSeconds();

    public static long ToUnixSeconds(this DateTimeOffset? value) => value?.ToUnixTimeSeconds() ?? -1;
}
