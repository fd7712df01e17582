using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores a <see cref="DateTimeOffset"/> as Unix milliseconds, so both providers can sort and compare it.</summary>
/// <remarks>The offset is not kept: values read back are UTC, truncated to the millisecond.</remarks>
internal sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
    static v => v.ToUnixTimeMilliseconds(),
    static v => DateTimeOffset.FromUnixTimeMilliseconds(v));
