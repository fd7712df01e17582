using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Responses;

/// <summary>Writes OpenAI Responses stream events, ending with response.completed, response.incomplete or response.failed.</summary>
/// <remarks>
/// <code>
/// response.created, response.in_progress
///   output_item.added -> (content_part.added -> output_text.delta* -> output_text.done -> content_part.done
///                        | reasoning_summary_part.added -> reasoning_summary_text.delta* -> ... .done
///                        | function_call_arguments.delta* -> function_call_arguments.done) -> output_item.done
/// response.completed | response.incomplete | (error, response.failed)
/// </code>
/// Items are kept (pooled buffers) because the terminal event repeats the whole output.
/// </remarks>
internal sealed class ResponsesStreamEncoder : StreamEncoder
{
    private readonly List<Item> _items = [];
    private readonly List<int> _toolToItem = [];
    private Item? _open;
    private long _sequence;
    private JsonEncodedText _id;
    private JsonEncodedText _model;

    public ResponsesStreamEncoder(StreamConversionOptions options)
        : base(options)
    {
    }

    private enum ItemKind
    {
        Message,
        Reasoning,
        FunctionCall,
    }

    public override void Dispose()
    {
        foreach (Item item in _items)
        {
            item.Dispose();
        }

        base.Dispose();
    }

    protected override void OnStart(IBufferWriter<byte> output)
    {
        _id = JsonEncodedText.Encode(Id, Json.WriterOptions.Encoder);
        _model = JsonEncodedText.Encode(Model, Json.WriterOptions.Encoder);
        WriteResponseEvent(output, "response.created", "in_progress", null, null, null);
        WriteResponseEvent(output, "response.in_progress", "in_progress", null, null, null);
    }

    protected override void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        Item item = EnsureItem(ItemKind.Message, output);
        Json.AppendEscapedContent(token, item.Content);
        Utf8JsonWriter w = BeginEvent(output, "response.output_text.delta"u8);
        w.WriteString("item_id"u8, item.Id);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        w.WriteNumber("content_index"u8, 0);
        Json.WriteRawString(w, "delta"u8, token);
        EndEvent(output);
    }

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        Item item = EnsureItem(ItemKind.Reasoning, output);
        Json.AppendEscapedContent(token, item.Content);
        Utf8JsonWriter w = BeginEvent(output, "response.reasoning_summary_text.delta"u8);
        w.WriteString("item_id"u8, item.Id);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        w.WriteNumber("summary_index"u8, 0);
        Json.WriteRawString(w, "delta"u8, token);
        EndEvent(output);
    }

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        CloseItem(output);
        Item item = NewItem(ItemKind.FunctionCall, "fc");
        item.CallId.Append(idToken.IsEmpty ? System.Text.Encoding.UTF8.GetBytes("\"call_" + index.ToString(CultureInfo.InvariantCulture) + "\"") : idToken);
        item.Name.Append(nameToken.IsEmpty ? "\"\""u8 : nameToken);
        while (_toolToItem.Count <= index)
        {
            _toolToItem.Add(-1);
        }

        _toolToItem[index] = item.OutputIndex;
        _open = item;
        Utf8JsonWriter w = BeginEvent(output, "response.output_item.added"u8);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        w.WritePropertyName("item"u8);
        WriteItem(w, item, completed: false);
        EndEvent(output);
    }

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
    {
        int itemIndex = index < _toolToItem.Count ? _toolToItem[index] : -1;
        if (itemIndex < 0)
        {
            return;
        }

        Item item = _items[itemIndex];
        Json.AppendEscapedContent(fragmentToken, item.Content);
        if (item.Closed)
        {
            return;
        }

        Utf8JsonWriter w = BeginEvent(output, "response.function_call_arguments.delta"u8);
        w.WriteString("item_id"u8, item.Id);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        Json.WriteRawString(w, "delta"u8, fragmentToken);
        EndEvent(output);
    }

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        CloseItem(output);
        if (error is not null)
        {
            Utf8JsonWriter w = BeginEvent(output, "error"u8);
            w.WriteString("code"u8, error.Code ?? "server_error");
            w.WriteString("message"u8, error.Message);
            w.WriteNull("param"u8);
            EndEvent(output);
            WriteResponseEvent(output, "response.failed", "failed", null, error, usage);
        }
        else if (reason is FinishReason.Length or FinishReason.ContentFilter)
        {
            WriteResponseEvent(output, "response.incomplete", "incomplete", reason == FinishReason.Length ? "max_output_tokens" : "content_filter", null, usage);
        }
        else
        {
            WriteResponseEvent(output, "response.completed", "completed", null, null, usage);
        }
    }

    private Item NewItem(ItemKind kind, string prefix)
    {
        var item = new Item(kind, prefix + "_" + Id + "_" + _items.Count.ToString(CultureInfo.InvariantCulture), _items.Count);
        _items.Add(item);
        return item;
    }

    private Item EnsureItem(ItemKind kind, IBufferWriter<byte> output)
    {
        if (_open is { } open && open.Kind == kind)
        {
            return open;
        }

        CloseItem(output);
        Item item = NewItem(kind, kind == ItemKind.Message ? "msg" : "rs");
        _open = item;
        Utf8JsonWriter w = BeginEvent(output, "response.output_item.added"u8);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        w.WritePropertyName("item"u8);
        WriteItem(w, item, completed: false);
        EndEvent(output);

        w = BeginEvent(output, kind == ItemKind.Message ? "response.content_part.added"u8 : "response.reasoning_summary_part.added"u8);
        w.WriteString("item_id"u8, item.Id);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        w.WriteNumber(kind == ItemKind.Message ? "content_index"u8 : "summary_index"u8, 0);
        w.WritePropertyName("part"u8);
        WritePart(w, item, empty: true);
        EndEvent(output);
        return item;
    }

    private void CloseItem(IBufferWriter<byte> output)
    {
        if (_open is not { } item)
        {
            return;
        }

        _open = null;
        item.Closed = true;
        Utf8JsonWriter w;
        if (item.Kind == ItemKind.FunctionCall)
        {
            w = BeginEvent(output, "response.function_call_arguments.done"u8);
            w.WriteString("item_id"u8, item.Id);
            w.WriteNumber("output_index"u8, item.OutputIndex);
            WriteContentString(w, "arguments"u8, item);
            EndEvent(output);
        }
        else
        {
            bool message = item.Kind == ItemKind.Message;
            w = BeginEvent(output, message ? "response.output_text.done"u8 : "response.reasoning_summary_text.done"u8);
            w.WriteString("item_id"u8, item.Id);
            w.WriteNumber("output_index"u8, item.OutputIndex);
            w.WriteNumber(message ? "content_index"u8 : "summary_index"u8, 0);
            WriteContentString(w, "text"u8, item);
            EndEvent(output);

            w = BeginEvent(output, message ? "response.content_part.done"u8 : "response.reasoning_summary_part.done"u8);
            w.WriteString("item_id"u8, item.Id);
            w.WriteNumber("output_index"u8, item.OutputIndex);
            w.WriteNumber(message ? "content_index"u8 : "summary_index"u8, 0);
            w.WritePropertyName("part"u8);
            WritePart(w, item, empty: false);
            EndEvent(output);
        }

        w = BeginEvent(output, "response.output_item.done"u8);
        w.WriteNumber("output_index"u8, item.OutputIndex);
        w.WritePropertyName("item"u8);
        WriteItem(w, item, completed: true);
        EndEvent(output);
    }

    private static void WriteContentString(Utf8JsonWriter w, ReadOnlySpan<byte> name, Item item)
    {
        w.WritePropertyName(name);
        ReadOnlySpan<byte> content = item.Content.WrittenSpan;
        byte[] rented = ArrayPool<byte>.Shared.Rent(content.Length + 2);
        try
        {
            rented[0] = (byte)'"';
            content.CopyTo(rented.AsSpan(1));
            rented[content.Length + 1] = (byte)'"';
            w.WriteRawValue(rented.AsSpan(0, content.Length + 2), skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void WritePart(Utf8JsonWriter w, Item item, bool empty)
    {
        w.WriteStartObject();
        if (item.Kind == ItemKind.Message)
        {
            w.WriteString("type"u8, "output_text"u8);
            w.WriteStartArray("annotations"u8);
            w.WriteEndArray();
        }
        else
        {
            w.WriteString("type"u8, "summary_text"u8);
        }

        if (empty)
        {
            w.WriteString("text"u8, ""u8);
        }
        else
        {
            WriteContentString(w, "text"u8, item);
        }

        w.WriteEndObject();
    }

    private static void WriteItem(Utf8JsonWriter w, Item item, bool completed)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, item.Id);
        switch (item.Kind)
        {
            case ItemKind.Message:
                w.WriteString("type"u8, "message"u8);
                w.WriteString("status"u8, completed ? "completed"u8 : "in_progress"u8);
                w.WriteStartArray("content"u8);
                if (completed)
                {
                    WritePart(w, item, empty: false);
                }

                w.WriteEndArray();
                w.WriteString("role"u8, "assistant"u8);
                break;
            case ItemKind.Reasoning:
                w.WriteString("type"u8, "reasoning"u8);
                w.WriteStartArray("summary"u8);
                if (completed)
                {
                    WritePart(w, item, empty: false);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteString("type"u8, "function_call"u8);
                w.WriteString("status"u8, completed ? "completed"u8 : "in_progress"u8);
                if (completed)
                {
                    WriteContentString(w, "arguments"u8, item);
                }
                else
                {
                    w.WriteString("arguments"u8, ""u8);
                }

                Json.WriteRawString(w, "call_id"u8, item.CallId.WrittenSpan);
                Json.WriteRawString(w, "name"u8, item.Name.WrittenSpan);
                break;
        }

        w.WriteEndObject();
    }

    private Utf8JsonWriter BeginEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type)
    {
        Utf8JsonWriter w = Begin(output, type);
        w.WriteStartObject();
        w.WriteString("type"u8, type);
        w.WriteNumber("sequence_number"u8, _sequence++);
        return w;
    }

    private void EndEvent(IBufferWriter<byte> output)
    {
        Writer.WriteEndObject();
        End(output);
    }

    private void WriteResponseEvent(IBufferWriter<byte> output, string type, string status, string? incompleteReason, FormatError? error, TokenUsage? usage)
    {
        Utf8JsonWriter w = BeginEvent(output, System.Text.Encoding.UTF8.GetBytes(type));
        w.WriteStartObject("response"u8);
        w.WriteString("id"u8, _id);
        w.WriteString("object"u8, "response"u8);
        w.WriteNumber("created_at"u8, Created);
        w.WriteString("status"u8, status);
        if (error is null)
        {
            w.WriteNull("error"u8);
        }
        else
        {
            w.WriteStartObject("error"u8);
            w.WriteString("code"u8, error.Code ?? "server_error");
            w.WriteString("message"u8, error.Message);
            w.WriteEndObject();
        }

        if (incompleteReason is null)
        {
            w.WriteNull("incomplete_details"u8);
        }
        else
        {
            w.WriteStartObject("incomplete_details"u8);
            w.WriteString("reason"u8, incompleteReason);
            w.WriteEndObject();
        }

        w.WriteString("model"u8, _model);
        w.WriteStartArray("output"u8);
        if (status != "in_progress")
        {
            foreach (Item item in _items)
            {
                WriteItem(w, item, completed: true);
            }
        }

        w.WriteEndArray();
        if (usage is { } u && status != "in_progress")
        {
            w.WritePropertyName("usage"u8);
            ResponsesUsageWriter.Write(w, u);
        }
        else
        {
            w.WriteNull("usage"u8);
        }

        w.WriteEndObject();
        EndEvent(output);
    }

    private sealed class Item(ItemKind kind, string id, int outputIndex) : IDisposable
    {
        public ItemKind Kind { get; } = kind;

        public string Id { get; } = id;

        public int OutputIndex { get; } = outputIndex;

        public bool Closed { get; set; }

        public PooledBuffer Content { get; } = new(256);

        public PooledBuffer CallId { get; } = new(kind == ItemKind.FunctionCall ? 64 : 1);

        public PooledBuffer Name { get; } = new(kind == ItemKind.FunctionCall ? 64 : 1);

        public void Dispose()
        {
            Content.Dispose();
            CallId.Dispose();
            Name.Dispose();
        }
    }
}
