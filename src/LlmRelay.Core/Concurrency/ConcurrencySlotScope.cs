namespace LlmRelay.Concurrency;

/// <summary>One limited scope of a call in an <see cref="IConcurrencySlotStore"/>: a key, or the whole relay.</summary>
/// <param name="Name">The scope's name, such as <c>k:channel:12:0</c> for a key or <c>g</c> for the global limit.</param>
/// <param name="Limit">How many slots the scope has.</param>
public readonly record struct ConcurrencySlotScope(string Name, int Limit);
