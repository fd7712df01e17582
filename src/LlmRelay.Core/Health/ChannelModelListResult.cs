namespace LlmRelay.Health;

/// <summary>The outcome of <see cref="ChannelProbe.ListModelsAsync"/>: the upstream's model names, or why there are none.</summary>
/// <param name="Models">The model names in the upstream's order, without duplicates; <see langword="null"/> on failure.</param>
/// <param name="Error">Why the list could not be read (never the upstream's body); <see langword="null"/> on success.</param>
public sealed record ChannelModelListResult(IReadOnlyList<string>? Models, string? Error);
