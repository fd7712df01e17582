namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Options for LlmRelay's web dashboard and public status page, registered by <c>AddDashboard()</c>.</summary>
/// <remarks>
/// The dashboard is mapped by <c>MapLlmRelay()</c> inside the same route group as the relay endpoints, so
/// <c>app.MapGroup("/llm").MapLlmRelay()</c> serves it at <c>/llm/dashboard</c>. It needs the management API
/// (<c>AddManagementApi()</c>): pages read and change data through the application services the <c>/api/...</c>
/// routes call, as the user the <c>LlmRelay.Session</c> cookie names.
/// </remarks>
public sealed class DashboardOptions
{
    /// <summary>Gets or sets a value indicating whether <c>MapLlmRelay()</c> maps the dashboard and the status page. Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the path of the dashboard, relative to the group <c>MapLlmRelay()</c> maps into. Defaults to <c>/dashboard</c>; <c>/</c> serves it at the root.</summary>
    public string PathBase { get; set; } = "/dashboard";

    /// <summary>Gets or sets the path of the public status page, relative to the same group; <see langword="null"/> or empty leaves the status page out. Defaults to <c>/status</c>.</summary>
    public string? StatusPath { get; set; } = "/status";

    /// <summary>Gets or sets the language used when the visitor has not chosen one: <c>en</c> or <c>zh</c>. Defaults to <c>en</c>.</summary>
    public string DefaultLanguage { get; set; } = "en";
}
