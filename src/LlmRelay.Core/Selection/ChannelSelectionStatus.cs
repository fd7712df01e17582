namespace LlmRelay.Selection;

/// <summary>The outcome of a channel selection.</summary>
internal enum ChannelSelectionStatus
{
    /// <summary>A channel was chosen.</summary>
    Selected,

    /// <summary>No channel of the group serves the model.</summary>
    ModelNotFound,

    /// <summary>Channels serve the model, but none is enabled or untried.</summary>
    NoChannelAvailable,
}
