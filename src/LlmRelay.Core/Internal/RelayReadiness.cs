namespace LlmRelay.Internal;

/// <summary>Records whether start-up (migrations, configuration sync, caches) has finished.</summary>
internal sealed class RelayReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
