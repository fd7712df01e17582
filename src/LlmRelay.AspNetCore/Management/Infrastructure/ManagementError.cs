using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Why a management operation was refused: the HTTP status the API answers with and its message.</summary>
/// <remarks>
/// Application services (<c>TokenService</c>, ...) return it so that the <c>/api</c> routes and the dashboard refuse
/// with the same status and words (issue #14). Validation messages name their field as <c>Field 'name': ...</c>.
/// </remarks>
/// <param name="StatusCode">The HTTP status code the management API answers with.</param>
/// <param name="Message">The message shown to the caller.</param>
internal sealed record ManagementError(int StatusCode, string Message)
{
    /// <summary>Gets the field the message names (<c>Field 'name' ...</c>), or an empty string.</summary>
    public string Field
    {
        get
        {
            const string Prefix = "Field '";
            var start = Message.IndexOf(Prefix, StringComparison.Ordinal);
            if (start < 0)
            {
                return "";
            }

            start += Prefix.Length;
            var end = Message.IndexOf('\'', start);
            return end > start ? Message[start..end] : "";
        }
    }

    /// <summary>A request the caller must correct (status 400).</summary>
    public static ManagementError Invalid(string message) => new(StatusCodes.Status400BadRequest, message);

    /// <summary>Something that does not exist, or that the caller may not know exists (status 404).</summary>
    public static ManagementError NotFound(string what) => new(StatusCodes.Status404NotFound, $"{what} not found.");

    /// <summary>An operation the acting user may not perform (status 403).</summary>
    public static ManagementError Forbidden(string message = "Permission denied for this operation.") => new(StatusCodes.Status403Forbidden, message);
}
