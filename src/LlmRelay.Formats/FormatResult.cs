using System.Diagnostics.CodeAnalysis;

namespace LlmRelay.Formats;

/// <summary>Either a converted value or a <see cref="FormatError"/>.</summary>
/// <typeparam name="T">The value type.</typeparam>
public readonly struct FormatResult<T>
    where T : class
{
    private FormatResult(T? value, FormatError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>Gets the value, or <see langword="null"/> on failure.</summary>
    public T? Value { get; }

    /// <summary>Gets the error, or <see langword="null"/> on success.</summary>
    public FormatError? Error { get; }

    /// <summary>Gets a value indicating whether the result holds a value.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Wraps a value as a successful result.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator FormatResult<T>(T value) => new(value, null);

    /// <summary>Wraps an error as a failed result.</summary>
    /// <param name="error">The error.</param>
    public static implicit operator FormatResult<T>(FormatError error) => new(null, error);
}
