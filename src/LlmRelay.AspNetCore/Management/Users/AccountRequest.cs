namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>What a visitor sends to sign in, register or set up the root user; <see langword="null"/> is a field left out.</summary>
/// <remarks>Values are trimmed by <see cref="AccountService"/>, as the API's JSON reader trims every string.</remarks>
internal sealed record AccountRequest
{
    /// <summary>Gets the first problem the request's reader found (a field of the wrong type).</summary>
    public string? InputError { get; init; }

    /// <summary>Gets the user name.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the password.</summary>
    public string? Password { get; init; }

    /// <summary>Gets the password again, when the form asks for it (set-up only).</summary>
    public string? ConfirmPassword { get; init; }

    /// <summary>Gets the e-mail address (registration only).</summary>
    public string? Email { get; init; }

    /// <summary>Gets the inviter's affiliate code (registration only).</summary>
    public string? AffCode { get; init; }
}
