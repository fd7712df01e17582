namespace LlmRelay.AspNetCore.Management.Groups;

/// <summary>A named, reusable list (of models, tags or endpoints) that forms prefill when editing channels and tokens.</summary>
internal sealed record PrefillGroup(long Id, string Name, string Type, IReadOnlyList<string> Items, string Description, long CreatedTime);
