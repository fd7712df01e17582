using System.Net;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Internal;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>Signing in and out, registration and set-up of the root user; the <c>/api</c> routes and the dashboard both call it.</summary>
/// <remarks>
/// The service decides and stores; the caller issues or removes the session cookie with <see cref="UserSessions"/>, so the
/// API and the dashboard set the same cookie the same way. Scoped, like the stores.
/// </remarks>
internal sealed class AccountService(
    IUserStore users,
    IPasswordHasher<RelayUser> hasher,
    ILoginRateLimiter limiter,
    SystemSettings settings,
    TimeProvider time,
    ILoggerFactory loggers)
{
    // The longest text the API's JSON reader has always accepted for a field without a limit of its own.
    private const int DefaultMaxLength = 4096;

    // One set-up at a time, so two racing requests cannot both create a root user.
    private static readonly SemaphoreSlim SetupGate = new(1, 1);

    private readonly ILogger _logger = loggers.CreateLogger("LlmRelay.Management");

    /// <summary>Checks a user name and password from <paramref name="address"/>; the caller signs the returned user in.</summary>
    public async Task<ManagementResult<RelayUser>> SignInAsync(AccountRequest request, IPAddress? address, CancellationToken cancellationToken)
    {
        var username = request.Username?.Trim();
        var password = request.Password?.Trim();
        var error = request.InputError
            ?? Text("username", username, UserRules.MaxUsernameLength)
            ?? Text("password", password, UserRules.MaxPasswordLength);
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        if (!await limiter.TryAcquireAsync(address, username!, cancellationToken).ConfigureAwait(false))
        {
            ManagementLog.LoginRateLimited(_logger, LogText.Escape(username)!);
            return new ManagementError(StatusCodes.Status429TooManyRequests, "Too many sign-in attempts; try again in a minute.");
        }

        if (!await settings.GetBoolAsync(SystemSettings.PasswordLoginEnabled, cancellationToken).ConfigureAwait(false))
        {
            return ManagementError.Forbidden("Password sign-in is disabled by the administrator.");
        }

        var user = await users.FindByUsernameAsync(username!, cancellationToken).ConfigureAwait(false);
        if (user is null || !UserRules.VerifyPassword(hasher, user, password!))
        {
            ManagementLog.LoginFailed(_logger, LogText.Escape(username)!);
            return new ManagementError(StatusCodes.Status401Unauthorized, "Wrong user name or password.");
        }

        if (user.Status != UserStatus.Enabled)
        {
            return ManagementError.Forbidden("This user is disabled.");
        }

        if (user.SecurityStamp.Length == 0)
        {
            // A user stored before security stamps existed gets one at their first sign-in.
            UserSessions.EndAll(user);
            await users.UpdateAsync(user, cancellationToken).ConfigureAwait(false);
        }

        return user;
    }

    /// <summary>Signs <paramref name="user"/> out everywhere: a new security stamp ends every session cookie of theirs on every device.</summary>
    /// <remarks>The caller also removes the request's own cookie (<see cref="UserSessions.SignOutAsync"/>).</remarks>
    public async Task SignOutEverywhereAsync(RelayUser? user, CancellationToken cancellationToken)
    {
        if (user is not null)
        {
            UserSessions.EndAll(user);
            await users.UpdateAsync(user, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Registers a common user when registration is enabled; an inviter named by <see cref="AccountRequest.AffCode"/> gets the inviter reward.</summary>
    public async Task<ManagementResult<RelayUser>> RegisterAsync(AccountRequest request, CancellationToken cancellationToken)
    {
        if (await RefuseRegistrationAsync(cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var username = request.Username?.Trim();
        var password = request.Password?.Trim();
        var email = request.Email?.Trim();
        var affCode = request.AffCode?.Trim();
        var error = request.InputError
            ?? Text("username", username)
            ?? Text("password", password, UserRules.MaxPasswordLength)
            ?? FieldRules.Length("email", email, 128)
            ?? FieldRules.Length("aff_code", affCode, 32)
            ?? UserRules.ValidateUsername(username)
            ?? UserRules.ValidatePassword(password);
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        if (await users.FindByUsernameAsync(username!, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new ManagementError(StatusCodes.Status409Conflict, $"Field 'username': '{username}' is taken.");
        }

        var inviter = string.IsNullOrEmpty(affCode) ? null : await users.FindByAffCodeAsync(affCode, cancellationToken).ConfigureAwait(false);
        var user = new RelayUser
        {
            Username = username!,
            DisplayName = username!,
            Email = email ?? "",
            Quota = await settings.GetLongAsync(SystemSettings.QuotaForNewUser, cancellationToken).ConfigureAwait(false),
            AffCode = UserRules.NewAffCode(),
            InviterId = inviter?.Id ?? 0,
            CreatedAt = time.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, password!);
        await users.AddAsync(user, cancellationToken).ConfigureAwait(false);
        if (inviter is not null)
        {
            var reward = await settings.GetLongAsync(SystemSettings.QuotaForInviter, cancellationToken).ConfigureAwait(false);
            if (reward > 0)
            {
                await users.AddQuotaAsync(inviter.Id, reward, cancellationToken).ConfigureAwait(false);
            }
        }

        return user;
    }

    /// <summary>Returns the refusal when registration is disabled, or <see langword="null"/>; the API asks before it reads the request body.</summary>
    public async Task<ManagementError?> RefuseRegistrationAsync(CancellationToken cancellationToken) =>
        await settings.GetBoolAsync(SystemSettings.RegisterEnabled, cancellationToken).ConfigureAwait(false)
            ? null
            : ManagementError.Forbidden("Registration is disabled by the administrator.");

    /// <summary>Creates the root user; refused (409) once one exists.</summary>
    public async Task<ManagementResult<RelayUser>> SetUpAsync(AccountRequest request, CancellationToken cancellationToken)
    {
        var username = request.Username?.Trim();
        var password = request.Password?.Trim();
        var confirm = request.ConfirmPassword?.Trim();
        var error = request.InputError
            ?? Text("username", username)
            ?? Text("password", password, UserRules.MaxPasswordLength)
            ?? FieldRules.Length("confirm_password", confirm, DefaultMaxLength)
            ?? UserRules.ValidateUsername(username)
            ?? UserRules.ValidatePassword(password);
        if (error is null && confirm is not null && confirm != password)
        {
            error = "Field 'confirm_password' does not match 'password'.";
        }

        await SetupGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await users.RootExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return new ManagementError(StatusCodes.Status409Conflict, "The system is already set up; the root user exists.");
            }

            if (error is not null)
            {
                return ManagementError.Invalid(error);
            }

            var user = new RelayUser
            {
                Username = username!,
                DisplayName = "Root User",
                Role = UserRole.Root,
                Quota = 100_000_000,
                AffCode = UserRules.NewAffCode(),
                CreatedAt = time.GetUtcNow(),
            };
            user.PasswordHash = hasher.HashPassword(user, password!);
            await users.AddAsync(user, cancellationToken).ConfigureAwait(false);
            ManagementLog.RootCreated(_logger, user.Id);
            return user;
        }
        finally
        {
            SetupGate.Release();
        }
    }

    // A required text field, as the API's JSON reader checks it: present, not empty, not too long.
    private static string? Text(string field, string? value, int maxLength = DefaultMaxLength) =>
        value is null ? FieldRules.Required(field) : value.Length == 0 ? FieldRules.Empty(field) : FieldRules.Length(field, value, maxLength);
}
