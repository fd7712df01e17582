namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>A running gateway instance and its last heartbeat: a row of <c>relay_instances</c> (see <see cref="QuotaReservationLedger"/>).</summary>
internal sealed class RelayInstance
{
    /// <summary>Gets or sets the instance id, random per process start.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets when the instance last wrote its heartbeat, in Unix milliseconds.</summary>
    public long HeartbeatAt { get; set; }
}
