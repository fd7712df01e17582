using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores a <see cref="TimeSpan"/> as whole milliseconds, the same column type on every provider.</summary>
internal sealed class TimeSpanMillisecondsConverter() : ValueConverter<TimeSpan, long>(
    static v => (long)v.TotalMilliseconds,
    static v => TimeSpan.FromMilliseconds(v));
