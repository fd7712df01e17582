using System.Diagnostics.CodeAnalysis;

namespace LlmRelay.Formats;

/// <summary>Either a converted value or a <see cref="FormatError"/>.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal readonly struct FormatResult<T>
    where T : class
{
    private FormatResult(T? value, FormatError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public FormatError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static implicit operator FormatResult<T>(T value) => new(value, null);

    public static implicit operator FormatResult<T>(FormatError error) => new(null, error);
}
