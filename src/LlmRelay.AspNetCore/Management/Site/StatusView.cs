namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>The public system status read by dashboards before sign-in.</summary>
internal sealed record StatusView(
    string SystemName,
    string Version,
    long StartTime,
    bool Setup,
    bool RegisterEnabled,
    bool PasswordLoginEnabled,
    long QuotaPerUnit,
    bool DisplayInCurrency,
    string TopUpLink,
    string Footer);
