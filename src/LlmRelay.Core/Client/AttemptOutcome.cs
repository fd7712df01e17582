namespace LlmRelay.Client;

/// <summary>The result of one attempt on one channel: a value, or a failure that lets the next channel try.</summary>
internal readonly record struct AttemptOutcome<T>(T? Value, int Status, string? Message, string? Code)
    where T : class
{
    public static AttemptOutcome<T> Success(T value) => new(value, 200, null, null);

    public static AttemptOutcome<T> Failure(int status, string message, string? code) => new(null, status, message, code);
}
