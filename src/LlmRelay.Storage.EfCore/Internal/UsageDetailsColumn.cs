using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Maps <see cref="UsageLog.Other"/> to the <c>other</c> text column: <see cref="UsageDetails.ToJson"/> on the way in, <see cref="UsageDetails.Parse"/> (which keeps the text) on the way out.</summary>
/// <remarks>
/// The batch inserter (<see cref="UsageLogInserter"/>) compiles this converter into its per-column writers, so a row's
/// details are serialised exactly once, as the row is written. <see cref="UsageDetails"/> is immutable: EF Core's
/// default reference comparison is its snapshot.
/// </remarks>
internal static class UsageDetailsColumn
{
    public static ValueConverter<UsageDetails, string> Converter { get; } = new(
        static v => v == null ? "" : v.ToJson(), // null only if a caller set it despite the type: stored as no details, not a failed batch
        static v => UsageDetails.Parse(v));
}
