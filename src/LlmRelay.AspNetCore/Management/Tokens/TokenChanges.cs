using LlmRelay.Tokens;

namespace LlmRelay.AspNetCore.Management.Tokens;

/// <summary>What a caller asks to set on a gateway token; a <see langword="null"/> property is left as it is (on creation: its default).</summary>
/// <remarks>
/// The <c>/api/token/</c> routes read it from JSON, the dashboard from its form; <see cref="TokenService"/> validates the
/// values (ranges, lengths, addresses) so both refuse with the same field-named message.
/// </remarks>
internal sealed record TokenChanges
{
    private static readonly char[] IpSeparators = [',', '\n', '\r', ';'];

    /// <summary>Gets the first problem the request's reader found (a field of the wrong type); the service reports it after its authorization checks, as the API always has.</summary>
    public string? InputError { get; init; }

    /// <summary>Gets the token's name (at most 64 characters; required on creation).</summary>
    public string? Name { get; init; }

    /// <summary>Gets the quota left on the token (0 or more).</summary>
    public long? RemainQuota { get; init; }

    /// <summary>Gets whether the token has no quota of its own.</summary>
    public bool? UnlimitedQuota { get; init; }

    /// <summary>Gets when the token expires, in Unix seconds; -1 (or 0) for never.</summary>
    public long? ExpiredTime { get; init; }

    /// <summary>Gets the models the token may call (empty: any).</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>Gets whether <see cref="Models"/> applies; <see langword="false"/> clears it.</summary>
    public bool? ModelLimitsEnabled { get; init; }

    /// <summary>Gets the channel group the token relays to (at most 64 characters; empty keeps the current or default group).</summary>
    public string? Group { get; init; }

    /// <summary>Gets the status to set (<see cref="TokenStatus.Enabled"/> or <see cref="TokenStatus.Disabled"/>).</summary>
    public TokenStatus? Status { get; init; }

    /// <summary>Gets the addresses and CIDR ranges the token may be used from (empty: any address).</summary>
    public IReadOnlyList<string>? AllowIps { get; init; }

    /// <summary>Splits new-api's <c>allow_ips</c> text: entries separated by newlines, commas or semicolons.</summary>
    public static string[] SplitAllowIps(string text) => text.Split(IpSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
