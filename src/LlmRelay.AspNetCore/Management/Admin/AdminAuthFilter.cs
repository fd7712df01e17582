using LlmRelay.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Authenticates an admin request: <c>Authorization: Bearer &lt;jwt&gt;</c>, or (unless <paramref name="jwtOnly"/>) the raw admin key.</summary>
/// <remarks>
/// <code>
/// no LlmRelay:Admin:Key ─► 404 {"detail"}         (the admin API is off)
/// no / bad credentials  ─► 401 {"detail"}
/// JWT: signature, exp, password version ─► handler
/// raw key (not on /admin/verify): fixed-time compare with the key or changed password ─► handler
/// </code>
/// </remarks>
internal sealed class AdminAuthFilter(bool jwtOnly) : IEndpointFilter
{
    public const string ExpiresItemKey = "LlmRelay.Admin.Expires";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var credentials = http.RequestServices.GetRequiredService<AdminCredentials>();
        if (!credentials.Enabled)
        {
            return Disabled();
        }

        await credentials.EnsureLoadedAsync(http.RequestServices.GetRequiredService<IOptionStore>(), http.RequestAborted).ConfigureAwait(false);
        var authorization = http.Request.Headers.Authorization.ToString().Trim();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
        {
            return AdminResults.Detail("Send 'Authorization: Bearer <admin JWT>'" + (jwtOnly ? "." : " or the admin key."), StatusCodes.Status401Unauthorized);
        }

        var presented = authorization[7..].Trim();
        if (credentials.Validate(presented) is { } expires)
        {
            http.Items[ExpiresItemKey] = expires;
            return await next(context).ConfigureAwait(false);
        }

        if (!jwtOnly && credentials.CheckPassword(presented))
        {
            return await next(context).ConfigureAwait(false);
        }

        return AdminResults.Detail(jwtOnly ? "The admin JWT is invalid or expired." : "Invalid admin key, or the admin JWT is invalid or expired.", StatusCodes.Status401Unauthorized);
    }

    public static IResult Disabled() =>
        AdminResults.Detail($"The admin API is disabled: set {AdminCredentials.KeySetting} to enable it.", StatusCodes.Status404NotFound);
}
