namespace LlmRelay.Responses;

/// <summary>One stored <c>/v1/responses</c> body with its owner and expiry (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed class StoredResponse(string id, long tokenId, ReadOnlyMemory<byte> body, long expiresAt, ResponseTurn? turn = null)
{
    public string Id { get; } = id;

    public long TokenId { get; } = tokenId;

    public ReadOnlyMemory<byte> Body { get; } = body;

    public long ExpiresAt { get; } = expiresAt;

    /// <summary>Gets the conversation turn the response answered, for a later <c>previous_response_id</c>; <see langword="null"/> when not kept.</summary>
    public ResponseTurn? Turn { get; } = turn;
}
