using LlmRelay.Formats;
using LlmRelay.Providers;
using LlmRelay.Tokens;

namespace LlmRelay.Pipeline;

/// <summary>What one relayed call asks for: who calls, which operation, which model, in which wire format, with which body.</summary>
/// <remarks>
/// Built by an adapter (an HTTP endpoint, <see cref="Client.RelayChatClient"/>) after it authenticated the caller and read the body,
/// then passed to <see cref="RelayPipeline.BeginAsync"/>. Not thread-safe; one instance per call.
/// <para>
/// The pipeline checks only what is left once the caller is known: the token's model allow-list and its quota reservation.
/// The adapter authenticates: it resolves the key (<see cref="TokenCache.FindAsync"/>) and refuses a token that is disabled,
/// expired, exhausted, used from an address it does not allow, or whose owner or group is not usable (see
/// <see cref="TokenEntry"/>). A <see langword="null"/> <see cref="Token"/> is checked and charged for nothing: pass it only for
/// trusted in-process callers.
/// </para>
/// </remarks>
public sealed class RelayRequest
{
    /// <summary>Gets the caller's gateway key, or <see langword="null"/> for the in-process identity (which pays nothing and logs as such).</summary>
    public required TokenEntry? Token { get; init; }

    /// <summary>Gets the group whose channels serve the call.</summary>
    public required string Group { get; init; }

    /// <summary>Gets what the upstream is asked to do.</summary>
    public required RelayOperation Operation { get; init; }

    /// <summary>Gets the caller's wire format: the source of request conversions and the target of answer conversions.</summary>
    public required WireFormat CallerFormat { get; init; }

    /// <summary>Gets the model as the caller named it (logged and priced by this name when the price table knows it).</summary>
    public required string RequestedModel { get; init; }

    /// <summary>Gets the model channels are selected by (after global aliases).</summary>
    public required string RoutingModel { get; init; }

    /// <summary>Gets whether the caller asked for a stream.</summary>
    public required bool Stream { get; init; }

    /// <summary>Gets the body, adapted per attempt.</summary>
    public required RelayContent Content { get; init; }

    /// <summary>Gets the estimated prompt tokens, for the quota reservation.</summary>
    public required int EstimatedPromptTokens { get; init; }

    /// <summary>Gets the caller's output limit, or 0 when none was set (a default is reserved then).</summary>
    /// <value>The default value is 0.</value>
    public int MaxOutputTokens { get; init; }

    /// <summary>Gets the caller's address as logged, or empty.</summary>
    /// <value>The default value is the empty string.</value>
    public string Ip { get; init; } = "";

    /// <summary>Gets the request identifier logged with the call.</summary>
    /// <value>The default value is the empty string.</value>
    public string RequestId { get; init; } = "";

    /// <summary>Gets the token name logged when <see cref="Token"/> is <see langword="null"/>.</summary>
    /// <summary>
    /// Request headers of the caller's own provider family (for Anthropic callers, every <c>anthropic-*</c> header such as
    /// <c>anthropic-beta</c>), sent on when the call reaches a channel that speaks the caller's format: there the body
    /// goes through as written, beta-only fields included, and needs its headers. Never sent to another family.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ProviderHeaders { get; init; } = [];

    /// <summary>Gets the session the caller named, or <see langword="null"/> when it named none.</summary>
    /// <remarks>
    /// Calls of one session go first to the channel and key that served it last, while that channel is eligible, so the
    /// provider's prompt cache keeps hitting (<see cref="Configuration.SessionAffinityOptions"/>). The HTTP endpoints take
    /// the <c>x-claude-code-session-id</c> header (Claude Code), the <c>session_id</c> header (Codex), else the body's
    /// <c>prompt_cache_key</c> (OpenAI Chat Completions and Responses). Kept per token and model.
    /// </remarks>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SessionId { get; init; }

    /// <summary>Gets the <c>previous_response_id</c> of a <c>/v1/responses</c> call, or <see langword="null"/>.</summary>
    /// <remarks>A call continuing a chain goes first to the channel and key that produced the response it continues (see <see cref="RelayCall.RecordResponseIdAsync"/>).</remarks>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? PreviousResponseId { get; init; }

    /// <summary>Gets the media type of <see cref="Content"/> as sent upstream, or <see langword="null"/> for JSON.</summary>
    /// <remarks>A multipart upload (<c>images/edits</c>) passes its <c>multipart/form-data; boundary=…</c> here.</remarks>
    /// <value>The default value is <see langword="null"/> (<c>application/json</c>).</value>
    public string? ContentType { get; init; }

    /// <summary>Gets the unit the call is billed by when its model is priced by one (issue #17).</summary>
    /// <value>The default value is <see cref="Pricing.BillingUnit.Token"/>.</value>
    public Pricing.BillingUnit Unit { get; init; }

    /// <summary>Gets the units the call asks for (images requested), reserved at the unit price before the call.</summary>
    /// <value>The default value is 0 (one unit is reserved for a unit-priced model).</value>
    public long EstimatedUnits { get; init; }

    /// <summary>Gets the variant the units are priced at (an image's <c>size/quality</c>), or <see langword="null"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? UnitVariant { get; init; }

    internal string AnonymousName { get; init; } = "";
}
