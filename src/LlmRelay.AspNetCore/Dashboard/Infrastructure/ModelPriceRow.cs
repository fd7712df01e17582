using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>One row of the models page: a model the user can call in one of their groups and what it costs there, already formatted. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModelPriceRow
{
    internal ModelPriceRow(string model, string group, string? input, string? output, string? perCall)
    {
        Model = model;
        Group = group;
        Input = input;
        Output = output;
        PerCall = perCall;
    }

    internal string Model { get; }

    internal string Group { get; }

    /// <summary>Gets the price of one million prompt tokens, or <see langword="null"/> for a model priced per call.</summary>
    internal string? Input { get; }

    /// <summary>Gets the price of one million completion tokens, or <see langword="null"/> for a model priced per call.</summary>
    internal string? Output { get; }

    /// <summary>Gets the price of one call, or <see langword="null"/> for a model priced by tokens.</summary>
    internal string? PerCall { get; }
}
