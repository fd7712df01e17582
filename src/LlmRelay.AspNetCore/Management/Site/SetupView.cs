namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>Whether set-up has run: <see cref="Status"/> and <see cref="RootInit"/> are true once the root user exists.</summary>
internal sealed record SetupView(bool Status, bool RootInit, string DatabaseType);
