namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>The hot-reloadable settings one <c>PUT /admin/settings</c> (or the <c>settings</c> part of an import) changes; <see langword="null"/> leaves a value as it is.</summary>
/// <remarks>Read whole and checked before anything is applied, so a refused request changes nothing.</remarks>
internal sealed record AdminSettingsChange(
    int? JwtExpireHours,
    int? MaxAttempts,
    long? FirstByteTimeoutSeconds,
    long? IdleTimeoutSeconds,
    long? MaxRequestBodySize,
    long? MaxResponseBodySize,
    bool? CapturesEnabled,
    long? CaptureLimit,
    long? CaptureMaxBodyBytes);
