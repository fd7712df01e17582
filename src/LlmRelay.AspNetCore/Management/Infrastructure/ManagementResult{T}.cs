namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>The outcome of a management operation: a value, or the <see cref="ManagementError"/> that refused it.</summary>
/// <typeparam name="T">The type of the value.</typeparam>
internal readonly struct ManagementResult<T>
{
    private readonly T? _value;

    private ManagementResult(T? value, ManagementError? error)
    {
        _value = value;
        Error = error;
    }

    /// <summary>Gets the refusal, or <see langword="null"/> when the operation succeeded.</summary>
    public ManagementError? Error { get; }

    /// <summary>Gets the value of a successful operation.</summary>
    /// <exception cref="InvalidOperationException">The operation was refused.</exception>
    public T Value => Error is null ? _value! : throw new InvalidOperationException("The operation was refused: " + Error.Message);

    /// <summary>Wraps a successful operation's value (for interface types, which have no implicit conversion).</summary>
    public static ManagementResult<T> Success(T value) => new(value, null);

    /// <summary>Wraps a successful operation's value.</summary>
    public static implicit operator ManagementResult<T>(T value) => new(value, null);

    /// <summary>Wraps a refusal.</summary>
    public static implicit operator ManagementResult<T>(ManagementError error) => new(default, error);
}
