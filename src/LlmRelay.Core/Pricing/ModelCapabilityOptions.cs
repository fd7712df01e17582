using LlmRelay.Formats.Conversion;

namespace LlmRelay.Pricing;

/// <summary>Corrections and additions to the model capability table, bound from the <c>LlmRelay:ModelCapabilities</c> configuration section.</summary>
/// <remarks>
/// <para>
/// The gateway ships a table of what common OpenAI, Anthropic, Gemini and DeepSeek models accept (reasoning or not, output
/// limits, sampling parameters with reasoning), used when a request is converted for another family (issue #16). An entry
/// here is laid over the entry its name resolves to in the layer below, property by property (a property left out keeps the
/// value below); keys are model names or name prefixes, matched like the price table's:
/// </para>
/// <code>
///   built-in table (DefaultModelCapabilities)
///     &lt;- Models                    for every channel
///       &lt;- Channels:{channel name} for the channels of that name only
/// </code>
/// <code>
/// "LlmRelay": { "ModelCapabilities": {
///   "Models":   { "my-local-reasoner": { "Reasoning": "Fixed", "MaxOutputTokens": 16384 } },
///   "Channels": { "azure-east": { "gpt-4o": { "MaxOutputTokens": 4096 } } } } }
/// </code>
/// <para>Changes to the section are applied without a restart.</para>
/// </remarks>
public sealed class ModelCapabilityOptions
{
    /// <summary>Gets the capabilities that correct or extend the built-in table for every channel, keyed by model name or name prefix (case-insensitive).</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, ModelCapability> Models { get; init; } = new Dictionary<string, ModelCapability>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the capabilities for one channel only, keyed by channel name, then by the model name the channel is sent (after its model mapping).</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, IDictionary<string, ModelCapability>> Channels { get; init; } = new Dictionary<string, IDictionary<string, ModelCapability>>(StringComparer.Ordinal);
}
