using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Answers of the admin family: plain JSON objects, and errors as <c>{"detail": "..."}</c>.</summary>
internal static class AdminResults
{
    public static IResult Json(JsonObject body, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(body, AdminJsonContext.Default.JsonObject, statusCode: statusCode);

    public static IResult Detail(string detail, int statusCode = StatusCodes.Status400BadRequest) =>
        Json(new JsonObject { ["detail"] = detail }, statusCode);

    public static IResult NotFound(string what) => Detail($"{what} not found.", StatusCodes.Status404NotFound);
}
