namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>One model capability override of a channel as the management API shows it (see <see cref="ChannelCapabilityInput"/>); properties not set are <see langword="null"/> and left out.</summary>
/// <param name="Reasoning">How the model takes a reasoning request: None, Effort, Budget, Level or Fixed.</param>
/// <param name="MaxOutputTokens">The most output tokens the model may be asked for.</param>
/// <param name="DefaultOutputTokens">The <c>max_tokens</c> an Anthropic body gets when its caller set none.</param>
/// <param name="SamplingWithReasoning">Whether temperature, top-p and top-k may be sent while the model reasons.</param>
/// <param name="TemperatureOrTopP">Whether the model takes only one of temperature and top-p.</param>
internal sealed record ModelCapabilityView(
    string? Reasoning,
    int? MaxOutputTokens,
    int? DefaultOutputTokens,
    bool? SamplingWithReasoning,
    bool? TemperatureOrTopP);
