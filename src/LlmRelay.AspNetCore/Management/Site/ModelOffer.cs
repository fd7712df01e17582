using LlmRelay.Pricing;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>A model an enabled channel serves, the price the relay charges for it and the groups whose channels serve it.</summary>
/// <param name="ModelName">The model as callers name it (a channel's model or the alias of its model mapping).</param>
/// <param name="Price">The price billing resolves for it.</param>
/// <param name="Groups">The groups of the enabled channels serving it, sorted.</param>
internal sealed record ModelOffer(string ModelName, ModelPrice Price, IReadOnlyList<string> Groups);
