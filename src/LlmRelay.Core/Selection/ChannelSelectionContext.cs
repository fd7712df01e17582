namespace LlmRelay.Selection;

/// <summary>What a <see cref="IChannelSelectionPolicy"/> knows about the choice it makes.</summary>
public readonly struct ChannelSelectionContext
{
    /// <summary>Initializes a new instance of the <see cref="ChannelSelectionContext"/> struct.</summary>
    /// <param name="group">The caller's group.</param>
    /// <param name="model">The requested model (after aliases).</param>
    /// <param name="tier">An object that identifies the tier while the channel set is unchanged.</param>
    /// <param name="priority">The tier's priority.</param>
    public ChannelSelectionContext(string group, string model, object tier, long priority)
    {
        Group = group;
        Model = model;
        Tier = tier;
        Priority = priority;
    }

    /// <summary>Gets the caller's group.</summary>
    public string Group { get; }

    /// <summary>Gets the requested model, after model aliases.</summary>
    public string Model { get; }

    /// <summary>Gets an object that identifies this tier of this (group, model) until the channel set changes.</summary>
    /// <remarks>A policy that keeps state per tier (a round-robin cursor) keys it on this object, for example in a
    /// <see cref="System.Runtime.CompilerServices.ConditionalWeakTable{TKey, TValue}"/>, so that the state goes with the tier
    /// when channels are edited.</remarks>
    public object Tier { get; }

    /// <summary>Gets the tier's priority.</summary>
    public long Priority { get; }
}
