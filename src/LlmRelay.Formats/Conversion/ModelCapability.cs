namespace LlmRelay.Formats.Conversion;

/// <summary>What an upstream model accepts, so a converted request carries only parameter combinations its provider takes.</summary>
/// <remarks>
/// <para>
/// A property left <see langword="null"/> (or <see cref="ReasoningControl.Unspecified"/>) is not known: the conversion leaves
/// the matching parameters as the caller sent them. <c>LlmRelay.Core</c> keeps the table of these per model, beside the prices
/// (issue #16); <see cref="BodyConverter.ConvertRequest"/> takes the entry of the model a channel is sent.
/// </para>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed record ModelCapability
{
    /// <summary>Gets how the model takes a request to reason.</summary>
    /// <value>The default value is <see cref="ReasoningControl.Unspecified"/>.</value>
    public ReasoningControl Reasoning { get; init; }

    /// <summary>Gets the most output tokens the model may be asked for; a larger limit from the caller is lowered to it.</summary>
    /// <value>The default value is <see langword="null"/> (not known: the caller's limit is sent as it came).</value>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Gets the output limit sent where the target requires one (Anthropic) and the caller set none.</summary>
    /// <value>The default value is <see langword="null"/>: the gateway-wide default applies (<c>LlmRelay:AnthropicDefaultMaxTokens</c>).</value>
    public int? DefaultOutputTokens { get; init; }

    /// <summary>Gets whether temperature, top-p and top-k may be sent while the model reasons.</summary>
    /// <remarks>
    /// When <see langword="false"/> and the model reasons: for Anthropic targets temperature and top-k are dropped and top-p is
    /// kept only from 0.95 up (Anthropic's rule for extended thinking); for OpenAI targets temperature and top-p are dropped
    /// (reasoning models take only their defaults).
    /// </remarks>
    /// <value>The default value is <see langword="null"/> (not known: sampling parameters are sent as they came).</value>
    public bool? SamplingWithReasoning { get; init; }

    /// <summary>Gets whether the model takes only one of temperature and top-p; when the caller sent both, top-p is dropped.</summary>
    /// <remarks>Anthropic's Claude 4.1 and later refuse a request naming both.</remarks>
    /// <value>The default value is <see langword="null"/> (not known: both are sent).</value>
    public bool? TemperatureOrTopP { get; init; }
}
