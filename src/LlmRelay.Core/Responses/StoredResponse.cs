namespace LlmRelay.Responses;

/// <summary>One stored <c>/v1/responses</c> body with its owner and expiry (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed class StoredResponse(string id, long tokenId, ReadOnlyMemory<byte> body, long expiresAt)
{
    public string Id { get; } = id;

    public long TokenId { get; } = tokenId;

    public ReadOnlyMemory<byte> Body { get; } = body;

    public long ExpiresAt { get; } = expiresAt;
}
