namespace LlmRelay.Health;

/// <summary>The outcome of one <see cref="ChannelProbe"/> call.</summary>
/// <remarks>Returned by <see cref="ChannelProbe.TestAsync"/>.</remarks>
/// <param name="Status">The upstream's HTTP status, or 0 when no answer arrived.</param>
/// <param name="Success">Whether the upstream answered 2xx with a valid answer in its own dialect.</param>
/// <param name="Elapsed">The time from sending to the whole answer.</param>
/// <param name="Message">Why the probe failed (the upstream's own error message where it gave one); empty on success.</param>
/// <param name="KeyAccepted">Whether the answer shows the upstream accepted the key: a success, or an error that
/// <see cref="ChannelFailureClassifier"/> does not blame on the key (a 400 about the probe's model, for example).</param>
public readonly record struct ChannelProbeResult(int Status, bool Success, TimeSpan Elapsed, string Message, bool KeyAccepted);
