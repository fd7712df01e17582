using System.Security.Cryptography;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Management;
using LlmRelay.Storage;
using LlmRelay.Usage;
using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Redemption;

/// <summary>Redemption codes: administrators create and manage them, users redeem them; the <c>/api</c> routes and the dashboard both call it.</summary>
/// <remarks>Everything but <see cref="RedeemAsync"/> needs <see cref="UserRole.Admin"/>. Scoped, like the stores.</remarks>
internal sealed class RedemptionService(IRedemptionStore store, IUsageLogStore logs, TimeProvider time)
{
    private const int MaxBatch = 100;

    /// <summary>Lists one page of codes, optionally those matching <paramref name="keyword"/>.</summary>
    public async Task<ManagementResult<PagedResult<RedemptionCode>>> ListAsync(RelayUser actor, string? keyword, int page, int pageSize, CancellationToken cancellationToken) =>
        RefuseNonAdmin(actor) ?? (ManagementResult<PagedResult<RedemptionCode>>)await store.QueryAsync(new PageQuery { Page = page, PageSize = pageSize, Keyword = keyword }, cancellationToken).ConfigureAwait(false);

    /// <summary>Returns one code.</summary>
    public async Task<ManagementResult<RedemptionCode>> GetAsync(RelayUser actor, long id, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var code = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return code is null ? ManagementError.NotFound("Redemption code") : code;
    }

    /// <summary>Creates <see cref="RedemptionChanges.Count"/> codes and returns their keys.</summary>
    public async Task<ManagementResult<List<string>>> CreateAsync(RelayUser actor, RedemptionChanges changes, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var name = changes.Name?.Trim();
        var now = time.GetUtcNow();
        var error = changes.InputError
            ?? (name is null ? FieldRules.Required("name") : name.Length == 0 ? FieldRules.Empty("name") : FieldRules.Length("name", name, 64))
            ?? FieldRules.Range("count", changes.Count, 1, MaxBatch)
            ?? (changes.Quota is null ? FieldRules.Required("quota") : FieldRules.Range("quota", changes.Quota, min: 1))
            ?? FieldRules.Range("expired_time", changes.ExpiredTime, min: -1)
            ?? InPast(changes.ExpiredTime, now);
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        var expired = changes.ExpiredTime;
        var codes = Enumerable.Range(0, (int)(changes.Count ?? 1)).Select(_ => new RedemptionCode
        {
            UserId = actor.Id,
            Name = name!,
            Key = RandomNumberGenerator.GetHexString(32, lowercase: true),
            Quota = changes.Quota!.Value,
            CreatedAt = now,
            ExpiresAt = expired is > 0 ? DateTimeOffset.FromUnixTimeSeconds(expired.Value) : null,
        }).ToList();
        await store.AddAsync(codes, cancellationToken).ConfigureAwait(false);
        return codes.Select(static c => c.Key).ToList();
    }

    /// <summary>Changes a code that was not used yet; <paramref name="statusOnly"/> changes only its status.</summary>
    public async Task<ManagementResult<RedemptionCode>> UpdateAsync(RelayUser actor, long id, RedemptionChanges changes, bool statusOnly, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var name = changes.Name?.Trim();
        var error = changes.InputError
            ?? FieldRules.Length("name", name, 64)
            ?? FieldRules.Range("quota", changes.Quota, min: 1)
            ?? FieldRules.Range("expired_time", changes.ExpiredTime, min: -1)
            ?? FieldRules.Range("status", (long?)changes.Status, 1, 2);
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        var code = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (code is null)
        {
            return ManagementError.NotFound("Redemption code");
        }

        if (code.Status == RedemptionStatus.Used)
        {
            return ManagementError.Invalid("Field 'id': a used code cannot be changed.");
        }

        if (statusOnly)
        {
            if (changes.Status is not { } status)
            {
                return ManagementError.Invalid("Field 'status' is required (1 enabled, 2 disabled).");
            }

            code.Status = status;
        }
        else
        {
            var expired = changes.ExpiredTime;
            if (InPast(expired, time.GetUtcNow()) is { } past)
            {
                return ManagementError.Invalid(past);
            }

            code.Name = name ?? code.Name;
            code.Quota = changes.Quota ?? code.Quota;
            code.Status = changes.Status ?? code.Status;
            if (expired is not null)
            {
                code.ExpiresAt = expired > 0 ? DateTimeOffset.FromUnixTimeSeconds(expired.Value) : null;
            }
        }

        await store.UpdateAsync(code, cancellationToken).ConfigureAwait(false);
        return code;
    }

    /// <summary>Deletes a code.</summary>
    public async Task<ManagementError?> DeleteAsync(RelayUser actor, long id, CancellationToken cancellationToken) =>
        RefuseNonAdmin(actor)
            ?? (await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false) ? null : ManagementError.NotFound("Redemption code"));

    /// <summary>Deletes used, disabled and expired codes and returns how many.</summary>
    public async Task<ManagementResult<long>> DeleteInvalidAsync(RelayUser actor, CancellationToken cancellationToken) =>
        RefuseNonAdmin(actor) ?? (ManagementResult<long>)(long)await store.DeleteInvalidAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);

    /// <summary>Redeems a code for the acting user, logs the top-up and returns the quota added.</summary>
    public async Task<ManagementResult<long>> RedeemAsync(RelayUser actor, string? key, string? inputError, CancellationToken cancellationToken)
    {
        key = key?.Trim();
        var error = inputError ?? (key is null ? FieldRules.Required("key") : key.Length == 0 ? FieldRules.Empty("key") : FieldRules.Length("key", key, 64));
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        var now = time.GetUtcNow();
        var code = await store.RedeemAsync(key!, actor.Id, now, cancellationToken).ConfigureAwait(false);
        if (code is null)
        {
            return ManagementError.Invalid("Field 'key': the code does not exist, was used, or has expired.");
        }

        await logs.AppendAsync(
            [new UsageLog { Type = UsageLogType.TopUp, UserId = actor.Id, Quota = code.Quota, CreatedAt = now, Content = $"Redeemed code {code.Id} for {code.Quota} quota." }],
            cancellationToken).ConfigureAwait(false);
        return code.Quota;
    }

    private static ManagementError? RefuseNonAdmin(RelayUser actor) => actor.Role >= UserRole.Admin ? null : ManagementError.Forbidden();

    private static string? InPast(long? expired, DateTimeOffset now) =>
        expired is > 0 && DateTimeOffset.FromUnixTimeSeconds(expired.Value) <= now ? "Field 'expired_time' must be in the future, or -1 for never." : null;
}
