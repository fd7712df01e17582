using System.Globalization;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Configuration;
using LlmRelay.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>One dashboard request: its <see cref="PageState"/>, the signed-in user and the request's services, and the redirects pages share.</summary>
internal sealed class DashboardRequest
{
    public const string LanguageCookie = "llmrelay_lang";

    /// <summary>The cookie the dashboard's script sets to the browser's IANA time zone (<c>Intl.DateTimeFormat().resolvedOptions().timeZone</c>).</summary>
    public const string TimeZoneCookie = "llmrelay_tz";

    private DashboardRequest(HttpContext context, PageState state)
    {
        Context = context;
        State = state;
    }

    public HttpContext Context { get; }

    public PageState State { get; }

    public static DashboardRequest Create(HttpContext context, string relative, DashboardOptions options)
    {
        // The page's own path ends with its relative route; what comes before is where the dashboard is mounted.
        var path = (context.Request.PathBase + context.Request.Path).Value ?? "";
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        var root = relative.Length > 0 && trimmed.EndsWith(relative, StringComparison.OrdinalIgnoreCase) ? trimmed[..^relative.Length] : trimmed;
        root = root.TrimEnd('/');
        var mount = Normalize(options.PathBase);
        var groupPrefix = mount.Length > 0 && root.EndsWith(mount, StringComparison.OrdinalIgnoreCase) ? root[..^mount.Length] : root;
        var gateway = $"{context.Request.Scheme}://{context.Request.Host}{groupPrefix}";
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var language = context.Request.Cookies[LanguageCookie] ?? options.DefaultLanguage;
        var state = new PageState
        {
            L = new DashboardLocalizer(language),
            Root = root,
            GatewayUrl = gateway,
            StatusUrl = string.IsNullOrEmpty(options.StatusPath) ? null : groupPrefix + Normalize(options.StatusPath),
            CurrentPath = path + context.Request.QueryString,
            TimeZone = ViewerTimeZone(context.Request.Cookies[TimeZoneCookie]),
            AntiforgeryField = tokens.FormFieldName,
            AntiforgeryToken = tokens.RequestToken ?? "",
        };
        var ok = context.Request.Query["ok"].ToString();
        if (ok.Length > 0 && !state.L[ok].ResourceNotFound)
        {
            state.Flash = state.T(ok, context.Request.Query["arg"].ToString());
        }

        return new DashboardRequest(context, state);
    }

    /// <summary>The time zone a <see cref="TimeZoneCookie"/> names, or UTC when it names none this machine knows.</summary>
    public static TimeZoneInfo ViewerTimeZone(string? id) =>
        id is { Length: > 0 and <= 64 } && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;

    public static string Normalize(string? path)
    {
        var value = (path ?? "").Trim().TrimEnd('/');
        return value.Length == 0 ? "" : value.StartsWith('/') ? value : "/" + value;
    }

    /// <summary>Loads the signed-in user; answers a redirect (to setup, login or home) when there is none or their role is too low.</summary>
    /// <remarks>
    /// The user is whom the session cookie names, found as the management API finds it (<see cref="ManagementAuthentication"/>),
    /// and must be enabled and at least <see cref="UserRole.Common"/>, as the API's user-level routes require.
    /// </remarks>
    public async Task<IResult?> RequireUserAsync(UserRole minimumRole = UserRole.Common)
    {
        var user = await ManagementAuthentication.AuthenticateAsync(Context, sessionOnly: true).ConfigureAwait(false);
        if (user is null || user.Status != UserStatus.Enabled || user.Role < UserRole.Common)
        {
            var site = Context.RequestServices.GetRequiredService<SiteService>();
            return Results.Redirect(State.Url(await site.IsSetUpAsync(Context.RequestAborted).ConfigureAwait(false) ? "/login" : "/setup"));
        }

        State.User = new Me(user);
        return user.Role < minimumRole ? Results.Redirect(State.Url("/")) : null;
    }

    /// <summary>Gets the signed-in user, as the acting user of application service calls; only after <see cref="RequireUserAsync"/> let the request through.</summary>
    /// <exception cref="InvalidOperationException">No user was loaded.</exception>
    public RelayUser Actor => State.User?.Actor ?? throw new InvalidOperationException("The dashboard request has no signed-in user; call RequireUserAsync first.");

    /// <summary>Gets a service of the request's scope.</summary>
    public T Service<T>()
        where T : notnull => Context.RequestServices.GetRequiredService<T>();

    /// <summary>Reads a posted form after checking its antiforgery token; <see langword="null"/> when the token is missing or wrong.</summary>
    /// <exception cref="BadHttpRequestException">The body is over <see cref="LlmRelayOptions.MaxManagementRequestBodySize"/> (status 413); see <see cref="TooLarge"/>.</exception>
    public async Task<IFormCollection?> ReadFormAsync()
    {
        if (!Context.Request.HasFormContentType)
        {
            return null;
        }

        // The form is read (bounded by MaxManagementRequestBodySize) before antiforgery looks at it, so a body over the
        // limit surfaces as the server's 413 exception rather than as a failed token check.
        RequestBodyLimit.Apply(Context, Context.RequestServices.GetRequiredService<IOptions<LlmRelayOptions>>().Value.MaxManagementRequestBodySize);
        IFormCollection form;
        try
        {
            form = await Context.Request.ReadFormAsync(Context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            // Over one of FormOptions' limits (value length, value count).
            return null;
        }

        var antiforgery = Context.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(Context).ConfigureAwait(false))
        {
            return null;
        }

        State.Form = form;
        return form;
    }

    public IResult Redirect(string relative, string? okKey = null, object? arg = null)
    {
        var url = State.Url(relative);

        // A fragment ("#keys") goes after the query the message adds.
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var fragment = hash < 0 ? "" : url[hash..];
        url = hash < 0 ? url : url[..hash];
        if (okKey is not null)
        {
            url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "ok=" + Uri.EscapeDataString(okKey);
            if (arg is not null)
            {
                url += "&arg=" + Uri.EscapeDataString(Convert.ToString(arg, CultureInfo.InvariantCulture) ?? "");
            }
        }

        return Results.Redirect(url + fragment);
    }

    /// <summary>The answer to a form over <see cref="LlmRelayOptions.MaxManagementRequestBodySize"/>.</summary>
    public static IResult TooLarge() => Results.Content("The request body is too large.", "text/plain; charset=utf-8", null, StatusCodes.Status413PayloadTooLarge);

    public IResult BadForm() => Results.Content(State.T("bad_request"), "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);

    public Dictionary<string, object?> Parameters(params (string Name, object? Value)[] extra)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal) { ["State"] = State };
        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        return parameters;
    }
}
