namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>A running gateway instance and its last heartbeat: a row of <c>relay_instances</c> (see <see cref="QuotaReservationLedger"/>).</summary>
internal sealed class RelayInstance
{
    /// <summary>Gets or sets the instance id, random per process start.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets when the instance last wrote its heartbeat, in Unix milliseconds.</summary>
    public long HeartbeatAt { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a sweep released this instance's reservations (its heartbeat had run out): from
    /// then on its settlements take back at most what its records hold (see <see cref="ReservationRecordSettlement"/>).
    /// </summary>
    public bool Released { get; set; }
}
