namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Registered by <c>AddDashboard()</c>; <c>MapLlmRelay()</c> maps the dashboard only when it is present.</summary>
internal sealed class DashboardMarker;
