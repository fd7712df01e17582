namespace LlmRelay.AspNetCore.Management.Groups;

/// <summary>A group a user may pick, with its price ratio and description.</summary>
internal sealed record GroupInfoView(double Ratio, string Desc);
