using LlmRelay.Responses;

namespace LlmRelay.AspNetCore.Scaling.Responses;

/// <summary>The default <see cref="IResponseStorage"/>: this process's <see cref="ResponseStore"/>, answered synchronously.</summary>
/// <remarks>Per instance: a response is readable only on the gateway that produced it. Thread-safe.</remarks>
internal sealed class InMemoryResponseStorage(ResponseStore store) : IResponseStorage
{
    public ValueTask StoreAsync(string id, long tokenId, ReadOnlyMemory<byte> body, ResponseTurn? turn, CancellationToken cancellationToken)
    {
        store.Store(id, tokenId, body, turn);
        return ValueTask.CompletedTask;
    }

    public ValueTask<ReadOnlyMemory<byte>?> GetAsync(string id, long tokenId, CancellationToken cancellationToken) =>
        new(store.TryGet(id, tokenId, out var body) ? body : (ReadOnlyMemory<byte>?)null);

    public ValueTask<ResponseTurn?> FindTurnAsync(string id, long tokenId, CancellationToken cancellationToken) =>
        new(store.FindTurn(id, tokenId));
}
