using LlmRelay.Tasks;

namespace LlmRelay.AspNetCore.Management.Tasks;

/// <summary>The wire names of <see cref="RelayTaskStatus"/> (OpenAI's Videos API), and new-api's names accepted as filters.</summary>
internal static class TaskStatusNames
{
    public static string NameOf(RelayTaskStatus status) => status switch
    {
        RelayTaskStatus.Queued => "queued",
        RelayTaskStatus.Completed => "completed",
        RelayTaskStatus.Failed => "failed",
        _ => "in_progress",
    };

    /// <summary>Parses a status filter: <c>queued</c>, <c>in_progress</c>, <c>completed</c>, <c>failed</c>, or new-api's <c>SUBMITTED</c>, <c>QUEUED</c>, <c>IN_PROGRESS</c>, <c>SUCCESS</c>, <c>FAILURE</c>.</summary>
    public static bool TryParse(string value, out RelayTaskStatus status)
    {
        switch (value.ToLowerInvariant())
        {
            case "queued" or "submitted" or "not_start":
                status = RelayTaskStatus.Queued;
                return true;
            case "in_progress":
                status = RelayTaskStatus.InProgress;
                return true;
            case "completed" or "success":
                status = RelayTaskStatus.Completed;
                return true;
            case "failed" or "failure":
                status = RelayTaskStatus.Failed;
                return true;
            default:
                status = default;
                return false;
        }
    }
}
