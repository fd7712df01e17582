using LlmRelay.Pipeline;

namespace LlmRelay.Tasks;

/// <summary>The outcome of a video creation: the stored task, or why there is none.</summary>
/// <param name="Task">The task, stored and charged, or <see langword="null"/>.</param>
/// <param name="Error">Why the creation failed (nothing was charged), or <see langword="null"/>.</param>
public readonly record struct VideoSubmission(RelayTask? Task, RelayError? Error);
