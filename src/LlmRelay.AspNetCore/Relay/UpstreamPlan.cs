using LlmRelay.Formats;
using LlmRelay.Providers;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>How one attempt reaches a channel.</summary>
/// <param name="PassThrough">Whether the caller's body and the upstream's answer pass through unconverted.</param>
/// <param name="Operation">What the upstream is asked to do.</param>
/// <param name="UpstreamFormat">The wire format the upstream speaks for this call.</param>
internal readonly record struct UpstreamPlan(bool PassThrough, RelayOperation Operation, WireFormat UpstreamFormat);
