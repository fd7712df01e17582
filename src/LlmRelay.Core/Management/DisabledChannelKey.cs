namespace LlmRelay.Management;

/// <summary>An upstream key that the relay disabled after a definitive failure (an invalid key, exhausted billing), as kept in <see cref="ChannelState.AutoDisabledKeys"/>.</summary>
/// <remarks>The key itself is never stored: it is identified by the SHA-256 of its text, so a record survives edits of the key list and follows the key, not its position.</remarks>
public sealed class DisabledChannelKey
{
    /// <summary>Gets or sets the lowercase hexadecimal SHA-256 of the key (trimmed).</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Gets or sets a masked form of the key that is safe to show, such as <c>sk-abcd...wxyz</c>.</summary>
    public string KeyHint { get; set; } = "";

    /// <summary>Gets or sets why the key was disabled: the upstream status and message.</summary>
    public string Reason { get; set; } = "";

    /// <summary>Gets or sets when the key was disabled.</summary>
    public DateTimeOffset DisabledAt { get; set; }
}
