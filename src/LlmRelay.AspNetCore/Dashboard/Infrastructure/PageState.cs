using System.ComponentModel;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components (which are public, as every Razor component is); not meant to be used directly.</summary>
/// <remarks>What every dashboard page needs: strings, paths, the signed-in user, the antiforgery token, messages and the posted form. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PageState
{
    internal DashboardLocalizer L { get; init; } = null!;

    /// <summary>Gets the dashboard's path from the site root, without a trailing slash ("" when it is the root).</summary>
    internal string Root { get; init; } = "";

    /// <summary>Gets the absolute URL of the group MapLlmRelay() mapped into, without a trailing slash (the relay's base URL).</summary>
    internal string GatewayUrl { get; init; } = "";

    internal string? StatusUrl { get; init; }

    internal string CurrentPath { get; init; } = "";

    internal Me? User { get; set; }

    /// <summary>Gets the viewer's time zone (the browser reports it in the <c>llmrelay_tz</c> cookie; UTC until it has): times are shown and date filters read in it.</summary>
    internal TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    internal string AntiforgeryField { get; init; } = "";

    internal string AntiforgeryToken { get; init; } = "";

    internal string Active { get; set; } = "";

    internal string? Flash { get; set; }

    internal string? Error { get; set; }

    internal Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);

    internal IFormCollection? Form { get; set; }

    /// <summary>Gets or sets which form the <see cref="Form"/>, <see cref="Error"/> and <see cref="FieldErrors"/> belong to.</summary>
    internal string FormName { get; set; } = "";

    internal string T(string key) => L[key].Value;

    internal string T(string key, params object[] args) => L[key, args].Value;

    internal string Url(string relative) => Root + relative;

    /// <summary>Formats an instant in the viewer's time zone.</summary>
    internal string Time(DateTimeOffset instant) => DisplayFormat.Time(instant, TimeZone);

    internal string Value(string field, string fallback = "") =>
        Form is not null && Form.TryGetValue(field, out var v) ? v.ToString() : fallback;

    internal string? FieldError(string field) => FieldErrors.TryGetValue(field, out var e) ? e : null;

    internal string RoleName(long role) => RoleName((UserRole)role);

    internal string RoleName(UserRole role) => role >= UserRole.Root ? T("role_root") : role >= UserRole.Admin ? T("role_admin") : T("role_common");

    /// <summary>Records an application service's refusal: under its field when the message names one the form shows, otherwise as the form's error.</summary>
    internal void Fail(string form, ManagementError error, params string[] fields)
    {
        FormName = form;
        var field = error.Field;
        if (field.Length > 0 && fields.Contains(field, StringComparer.Ordinal))
        {
            FieldErrors[field] = error.Message;
        }
        else
        {
            Error = error.Message.Length > 0 ? error.Message : $"HTTP {error.StatusCode}";
        }
    }
}
