using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>The management API envelope <c>{"success","message","data"}</c> as an <see cref="IResult"/>.</summary>
internal sealed class ApiResult : IResult
{
    private readonly Action<Utf8JsonWriter>? _writeData;

    private ApiResult(int statusCode, bool success, string message, Action<Utf8JsonWriter>? writeData)
    {
        StatusCode = statusCode;
        Success = success;
        Message = message;
        _writeData = writeData;
    }

    public int StatusCode { get; }

    public bool Success { get; }

    public string Message { get; }

    public static ApiResult Ok(string message = "") => new(StatusCodes.Status200OK, true, message, null);

    public static ApiResult Ok<T>(T data, JsonTypeInfo<T> typeInfo, string message = "") =>
        new(StatusCodes.Status200OK, true, message, writer => JsonSerializer.Serialize(writer, data, typeInfo));

    public static ApiResult Fail(string message, int statusCode = StatusCodes.Status400BadRequest) => new(statusCode, false, message, null);

    public static ApiResult NotFound(string what) => Fail($"{what} not found.", StatusCodes.Status404NotFound);

    public static ApiResult Unauthorized(string message = "Not signed in: log in or send 'Authorization: Bearer <access token>' with 'New-Api-User: <id>'.") =>
        Fail(message, StatusCodes.Status401Unauthorized);

    public static ApiResult Forbidden(string message = "Permission denied for this operation.") => Fail(message, StatusCodes.Status403Forbidden);

    /// <summary>Answers a service's refusal with its status and message.</summary>
    public static ApiResult From(ManagementError error) => Fail(error.Message, error.StatusCode);

    /// <summary>Answers a service's outcome: its value as <c>data</c>, or its refusal.</summary>
    public static ApiResult From<T>(ManagementResult<T> result, JsonTypeInfo<T> typeInfo, string message = "") =>
        result.Error is { } error ? From(error) : Ok(result.Value, typeInfo, message);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("success", Success);
            writer.WriteString("message", Message);
            writer.WritePropertyName("data");
            if (_writeData is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                _writeData(writer);
            }

            writer.WriteEndObject();
            await writer.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
