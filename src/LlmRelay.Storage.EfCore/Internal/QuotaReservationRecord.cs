namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The quota one gateway instance holds reserved from one token and its user: a row of <c>quota_reservations</c>.</summary>
/// <remarks>
/// The reservation that takes quota adds its amount here in the same statement or transaction (<see cref="QuotaReserver"/>);
/// the usage-log writer's transaction that settles the call takes it off again (<see cref="UsageLogInserter"/>). What is left
/// when an instance dies is returned to the token and the user by <see cref="QuotaReservationLedger.SweepAsync"/>.
/// </remarks>
internal sealed class QuotaReservationRecord
{
    /// <summary>Gets or sets the instance that made the reservations (<see cref="QuotaReservationLedger.InstanceId"/>).</summary>
    public long InstanceId { get; set; }

    /// <summary>Gets or sets the token the quota was taken from.</summary>
    public long TokenId { get; set; }

    /// <summary>Gets or sets the token's user at the time of the first reservation, whose quota was taken too; 0 when none.</summary>
    public long UserId { get; set; }

    /// <summary>Gets or sets the quota reserved and not yet settled.</summary>
    public long Amount { get; set; }
}
