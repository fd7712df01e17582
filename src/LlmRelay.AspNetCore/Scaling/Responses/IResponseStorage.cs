using LlmRelay.Responses;

namespace LlmRelay.AspNetCore.Scaling.Responses;

/// <summary>Where finished <c>/v1/responses</c> bodies and their conversation turns are kept, for <c>GET /v1/responses/{id}</c> and <c>previous_response_id</c>.</summary>
/// <remarks>
/// In process memory by default (<see cref="InMemoryResponseStorage"/> over <see cref="ResponseStore"/>); in Redis with
/// <c>AddRedis(...)</c> (<see cref="RedisResponseStorage"/>), so a chain started on one gateway instance continues on any other
/// (issue #18). Every entry belongs to the token that created it: another token's entry reads exactly like a missing one.
/// Implementations are thread-safe.
/// </remarks>
internal interface IResponseStorage
{
    /// <summary>Stores a finished response body and the turn it answered under its id, replacing any entry of the token with that id.</summary>
    /// <param name="id">The response id (<c>resp_…</c>).</param>
    /// <param name="tokenId">The token that created the response; only it can read the entry.</param>
    /// <param name="body">The response object as UTF-8 JSON; not changed afterwards by the caller.</param>
    /// <param name="turn">The turn, for a later <c>previous_response_id</c>; or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask StoreAsync(string id, long tokenId, ReadOnlyMemory<byte> body, ResponseTurn? turn, CancellationToken cancellationToken);

    /// <summary>Returns the body stored for <paramref name="id"/> when it exists, has not expired and belongs to <paramref name="tokenId"/>; else <see langword="null"/>.</summary>
    /// <exception cref="ResponseStoreUnavailableException">A shared store cannot be reached.</exception>
    ValueTask<ReadOnlyMemory<byte>?> GetAsync(string id, long tokenId, CancellationToken cancellationToken);

    /// <summary>Returns the turn stored for <paramref name="id"/> when it exists, has not expired and belongs to <paramref name="tokenId"/>; else <see langword="null"/>.</summary>
    /// <exception cref="ResponseStoreUnavailableException">A shared store cannot be reached.</exception>
    ValueTask<ResponseTurn?> FindTurnAsync(string id, long tokenId, CancellationToken cancellationToken);
}
