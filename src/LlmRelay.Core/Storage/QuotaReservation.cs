namespace LlmRelay.Storage;

/// <summary>The outcome of <see cref="ITokenStore.TryReserveQuotaAsync"/>.</summary>
public enum QuotaReservation
{
    /// <summary>The quota was taken from the token and, when it has one, from its user.</summary>
    Reserved,

    /// <summary>Nothing was taken: the token's remaining quota does not cover the amount, or the token no longer exists.</summary>
    TokenInsufficient,

    /// <summary>Nothing was taken: the quota of the user who owns the token does not cover the amount, or that user no longer exists.</summary>
    UserInsufficient,
}
