using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Net.Http.Headers;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Refuses cross-site changes made with the session cookie, and request bodies that are not JSON, before a management route runs.</summary>
/// <remarks>
/// <para>
/// The session cookie is <c>SameSite=Lax</c>, which still lets another site's page make a browser send it on a top-level
/// form POST, and form or <c>text/plain</c> bodies need no CORS preflight. So, for POST, PUT, PATCH and DELETE (issue #13):
/// </para>
/// <code>
/// carries llmrelay_session? ──no──► (no cookie, no CSRF: bearer and access-token clients pass)
///        │yes
///        ▼
/// Sec-Fetch-Site: same-origin | none ─► pass          (the browser says so)
/// Sec-Fetch-Site: other / absent ─► Origin is the gateway's own host, or in LlmRelay:Management:AllowedOrigins ─► pass
///                                   no Origin and no Sec-Fetch-Site (not a browser) ─► pass
///                                   otherwise ─► 403 {"success":false,...}
/// then: a body whose Content-Type is not application/json or */*+json ─► 415
/// </code>
/// <para>Thread-safe; the allowed origins are read once.</para>
/// </remarks>
internal sealed class CrossSiteRequestPolicy
{
    public const string AllowedOriginsSetting = "LlmRelay:Management:AllowedOrigins";

    private readonly FrozenSet<string> _allowedOrigins;

    public CrossSiteRequestPolicy(IConfiguration configuration)
    {
        _allowedOrigins = Hosting.ConfigurationLists.Read(configuration, AllowedOriginsSetting).Select(static v => Normalize(v) ?? throw new InvalidOperationException($"{AllowedOriginsSetting}: '{v}' is not an origin such as https://console.example.com."))
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Returns the refusal for a request, or <see langword="null"/> when it may go on.</summary>
    public ApiResult? Check(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return null;
        }

        if (request.Cookies.ContainsKey(ManagementSchemes.SessionCookie) && IsCrossSite(request))
        {
            return ApiResult.Fail(
                $"Cross-site request refused: a change signed in with the session cookie must come from this site. Call from the same origin, add the origin to {AllowedOriginsSetting}, or use an access token.",
                StatusCodes.Status403Forbidden);
        }

        var canHaveBody = request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        if (request.ContentLength is > 0 || (request.ContentLength is null && canHaveBody))
        {
            if (!IsJson(request.ContentType))
            {
                return ApiResult.Fail("The request body must be JSON: send 'Content-Type: application/json'.", StatusCodes.Status415UnsupportedMediaType);
            }
        }

        return null;
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        return media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.Type.Equals("application", StringComparison.OrdinalIgnoreCase) && media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
    }

    private static string? Normalize(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/" && uri.Query.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;

    private bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        var origin = request.Headers.Origin.ToString();
        if (site is "same-origin" or "none")
        {
            return false;
        }

        if (site.Length == 0 && origin.Length == 0)
        {
            return false;
        }

        if (site.Length == 0 && IsSameHost(origin, request.Host))
        {
            return false;
        }

        return Normalize(origin) is not { } normalized || !_allowedOrigins.Contains(normalized);
    }

    /// <summary>Whether <paramref name="origin"/> names the host the request was sent to (the scheme may differ behind a TLS-terminating proxy).</summary>
    private static bool IsSameHost(string origin, HostString host)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !host.HasValue)
        {
            return false;
        }

        return uri.Host.Equals(host.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == (host.Port ?? uri.Port);
    }
}
