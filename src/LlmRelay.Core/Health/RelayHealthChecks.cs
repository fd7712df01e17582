namespace LlmRelay.Health;

/// <summary>Names of the health checks <c>AddLlmRelay()</c> registers.</summary>
/// <remarks>
/// <c>MapLlmRelay()</c> maps <c>/readyz</c> to the checks tagged <see cref="ReadyTag"/>; tag a check of your own with it to
/// hold readiness until that check passes too.
/// </remarks>
public static class RelayHealthChecks
{
    /// <summary>The tag of the readiness checks: start-up finished, every channel's keys readable, the database answering.</summary>
    public const string ReadyTag = "ready";
}
