namespace LlmRelay.Samples.MinimalApi;

/// <summary>Names this sample's assembly for <c>WebApplicationFactory&lt;T&gt;</c>; the top-level <c>Program</c> stays internal.</summary>
public sealed class MinimalApiSample;
