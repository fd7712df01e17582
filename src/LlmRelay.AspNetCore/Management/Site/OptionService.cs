using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Management;
using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>System options as root reads and changes them; <c>GET</c>/<c>PUT /api/option/</c> and the dashboard's settings page both call it.</summary>
/// <remarks>Every method needs <see cref="UserRole.Root"/>. Options are text; a value is checked against its definition before it is stored.</remarks>
internal sealed class OptionService(SystemSettings settings)
{
    /// <summary>Lists every option with its current value.</summary>
    public async Task<ManagementResult<IReadOnlyList<KeyValuePair<string, string>>>> ListAsync(RelayUser actor, CancellationToken cancellationToken) =>
        RefuseNonRoot(actor) is { } refusal
            ? refusal
            : ManagementResult<IReadOnlyList<KeyValuePair<string, string>>>.Success(await settings.ListAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Validates and stores one option.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="key">The option's key (at most 128 characters).</param>
    /// <param name="value">The option's value as text; <see langword="null"/> when the request gave none.</param>
    /// <param name="inputError">The reader's problem with the request, if any.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<ManagementError?> SetAsync(RelayUser actor, string? key, string? value, string? inputError, CancellationToken cancellationToken)
    {
        if (RefuseNonRoot(actor) is { } refusal)
        {
            return refusal;
        }

        key = key?.Trim();
        var error = inputError
            ?? (key is null ? FieldRules.Required("key") : key.Length == 0 ? FieldRules.Empty("key") : FieldRules.Length("key", key, 128))
            ?? (value is null ? "Field 'value' is required (string, number, boolean or object)." : SystemSettings.Validate(key!, value) ?? settings.ValidateRegistered(key!, value));
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        await settings.SetAsync([new SystemOption { Key = key!, Value = value! }], cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Validates several options and stores them all, or none when any is invalid (the dashboard's settings forms).</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="values">The options' keys and values.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The problems by option key; empty when every value was stored.</returns>
    public async Task<ManagementResult<IReadOnlyDictionary<string, string>>> SetManyAsync(RelayUser actor, IReadOnlyList<KeyValuePair<string, string>> values, CancellationToken cancellationToken)
    {
        if (RefuseNonRoot(actor) is { } refusal)
        {
            return refusal;
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if ((SystemSettings.Validate(key, value) ?? settings.ValidateRegistered(key, value)) is { } error)
            {
                errors[key] = error;
            }
        }

        if (errors.Count == 0 && values.Count > 0)
        {
            await settings.SetAsync([.. values.Select(static v => new SystemOption { Key = v.Key, Value = v.Value })], cancellationToken).ConfigureAwait(false);
        }

        return ManagementResult<IReadOnlyDictionary<string, string>>.Success(errors);
    }

    private static ManagementError? RefuseNonRoot(RelayUser actor) => actor.Role >= UserRole.Root ? null : ManagementError.Forbidden();
}
