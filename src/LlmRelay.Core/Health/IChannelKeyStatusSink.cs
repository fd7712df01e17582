namespace LlmRelay.Health;

/// <summary>Receives the changes of a channel key's enabled state, so they can be persisted or announced.</summary>
/// <remarks>
/// Called synchronously on the thread that reported the failure (or called <see cref="ChannelHealthTracker.Enable"/>),
/// outside the tracker's locks. Implementations must return quickly (queue any database work) and should not throw;
/// an exception is logged and swallowed. Circuit-breaker open/close transitions are not reported here: they are
/// short-lived and in-memory by design.
/// </remarks>
internal interface IChannelKeyStatusSink
{
    /// <summary>Called once when a key becomes disabled by a definitive failure.</summary>
    /// <param name="key">The key that was disabled.</param>
    /// <param name="reason">Why, as passed to <see cref="ChannelHealthTracker.ReportFailure"/>.</param>
    /// <param name="disabledAt">When.</param>
    void OnKeyDisabled(ChannelKeyId key, string reason, DateTimeOffset disabledAt);

    /// <summary>Called when a disabled key is enabled again.</summary>
    /// <param name="key">The key that was enabled.</param>
    void OnKeyEnabled(ChannelKeyId key);
}
