using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRelay.Usage;

/// <summary>The pricing detail of a <see cref="UsageLog"/> row: the ratios or fixed price it was billed at, its cache and reasoning tokens, whether its usage was estimated.</summary>
/// <remarks>
/// <para>
/// Stored in the row's <c>other</c> column and shown in the management API's <c>other</c> field as one JSON object
/// text, as in new-api's log rows, written by <see cref="ToJson"/> once, where the row is stored. A call priced by
/// tokens reads
/// <c>{"model_ratio":2.5,"completion_ratio":4,"cache_ratio":0.5,"cache_creation_ratio":1.25,"cache_creation_1h_ratio":2,"group_ratio":1,"cached_tokens":0,"cache_creation_tokens":0,"cache_creation_1h_tokens":0,"reasoning_tokens":0,"first_byte_ms":312}</c>,
/// a call at a fixed price <c>{"model_price":0.04,"group_ratio":1,"first_byte_ms":312}</c>; an estimated usage adds
/// <c>"usage":"estimated"</c>, a call that named a session its <c>"affinity"</c> (<c>hit</c>, <c>moved</c> or <c>miss</c>), and a row of an asynchronous task its <c>"task_id"</c>, last. Properties that are <see langword="null"/> are left out; a details without any
/// (<see cref="None"/>: errors, top-ups) is the empty string.
/// </para>
/// <para>
/// A row read back (<see cref="Parse"/>) keeps its stored text verbatim, so older rows, whose text had fewer fields,
/// are shown as they were written; the properties hold what the text has of them.
/// </para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class UsageDetails
{
    private const string Estimated = "estimated";

    private static readonly JsonEncodedText ModelPriceName = JsonEncodedText.Encode("model_price");
    private static readonly JsonEncodedText ModelRatioName = JsonEncodedText.Encode("model_ratio");
    private static readonly JsonEncodedText CompletionRatioName = JsonEncodedText.Encode("completion_ratio");
    private static readonly JsonEncodedText CacheRatioName = JsonEncodedText.Encode("cache_ratio");
    private static readonly JsonEncodedText CacheCreationRatioName = JsonEncodedText.Encode("cache_creation_ratio");
    private static readonly JsonEncodedText CacheCreation1hRatioName = JsonEncodedText.Encode("cache_creation_1h_ratio");
    private static readonly JsonEncodedText GroupRatioName = JsonEncodedText.Encode("group_ratio");
    private static readonly JsonEncodedText CachedTokensName = JsonEncodedText.Encode("cached_tokens");
    private static readonly JsonEncodedText CacheCreationTokensName = JsonEncodedText.Encode("cache_creation_tokens");
    private static readonly JsonEncodedText CacheCreation1hTokensName = JsonEncodedText.Encode("cache_creation_1h_tokens");
    private static readonly JsonEncodedText ReasoningTokensName = JsonEncodedText.Encode("reasoning_tokens");
    private static readonly JsonEncodedText FirstByteMsName = JsonEncodedText.Encode("first_byte_ms");
    private static readonly JsonEncodedText UsageName = JsonEncodedText.Encode("usage");
    private static readonly JsonEncodedText AffinityName = JsonEncodedText.Encode("affinity");
    private static readonly JsonEncodedText BillingUnitName = JsonEncodedText.Encode("billing_unit");
    private static readonly JsonEncodedText UnitsName = JsonEncodedText.Encode("units");
    private static readonly JsonEncodedText UnitVariantName = JsonEncodedText.Encode("unit_variant");
    private static readonly JsonEncodedText UnitPriceName = JsonEncodedText.Encode("unit_price");
    private static readonly JsonEncodedText TaskIdName = JsonEncodedText.Encode("task_id");
    private static readonly JsonEncodedText EstimatedValue = JsonEncodedText.Encode(Estimated);

    // One writer per thread (the usage-log writer serialises its batches on one): no buffer or writer per row.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    // The stored text of a parsed row, returned as is by ToJson; null for details built in code. Set only by Parse,
    // on the instance it has just read, before anyone else sees it.
    private string? _json;

    /// <summary>Gets the details of a row without any: stored and shown as the empty string.</summary>
    public static UsageDetails None { get; } = new();

    // A call's affinity outcome, set on its row when a channel answers and carried into the priced details (RelayMetering).
    internal static UsageDetails AffinityHit { get; } = new() { Affinity = "hit" };

    internal static UsageDetails AffinityMoved { get; } = new() { Affinity = "moved" };

    internal static UsageDetails AffinityMissed { get; } = new() { Affinity = "miss" };

    /// <summary>Gets the price of the call in USD when the model has a fixed price (<see cref="Pricing.ModelPrice.FixedPrice"/>), else <see langword="null"/>.</summary>
    [JsonPropertyName("model_price")]
    public double? ModelPrice { get; init; }

    /// <summary>Gets the prompt-token price ratio the call was billed at (<see cref="Pricing.ModelPrice.ModelRatio"/>), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("model_ratio")]
    public double? ModelRatio { get; init; }

    /// <summary>Gets the completion-token ratio (<see cref="Pricing.ModelPrice.CompletionRatio"/>), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("completion_ratio")]
    public double? CompletionRatio { get; init; }

    /// <summary>Gets the cache-read ratio (<see cref="Pricing.ModelPrice.CacheReadRatio"/>), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("cache_ratio")]
    public double? CacheRatio { get; init; }

    /// <summary>Gets the 5-minute cache-write ratio (<see cref="Pricing.ModelPrice.CacheWrite5mRatio"/>), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("cache_creation_ratio")]
    public double? CacheCreationRatio { get; init; }

    /// <summary>Gets the 1-hour cache-write ratio (<see cref="Pricing.ModelPrice.CacheWrite1hRatio"/>), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("cache_creation_1h_ratio")]
    public double? CacheCreation1hRatio { get; init; }

    /// <summary>Gets the ratio of the group the call was routed in.</summary>
    [JsonPropertyName("group_ratio")]
    public double? GroupRatio { get; init; }

    /// <summary>Gets the prompt tokens served from the provider's cache, or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("cached_tokens")]
    public long? CachedTokens { get; init; }

    /// <summary>Gets the prompt tokens written to a cache (both lifetimes), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("cache_creation_tokens")]
    public long? CacheCreationTokens { get; init; }

    /// <summary>Gets the part of <see cref="CacheCreationTokens"/> written to a 1-hour cache, or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("cache_creation_1h_tokens")]
    public long? CacheCreation1hTokens { get; init; }

    /// <summary>Gets the reasoning tokens (counted in the completion), or <see langword="null"/> at a fixed price.</summary>
    [JsonPropertyName("reasoning_tokens")]
    public long? ReasoningTokens { get; init; }

    /// <summary>Gets the time to the first byte of the upstream answer in milliseconds when the call was priced, -1 when none had arrived.</summary>
    [JsonPropertyName("first_byte_ms")]
    public int? FirstByteMs { get; init; }

    /// <summary>Gets what session affinity did for the call, or <see langword="null"/> when the call named no session (<c>"affinity"</c>).</summary>
    /// <remarks>
    /// <c>hit</c>: the channel and key that served the session last answered again; <c>moved</c>: the session had a channel,
    /// but another channel or key answered (the remembered one was not eligible, or failed and the call failed over), and the
    /// session now stays there; <c>miss</c>: the gateway knew no channel for the session yet (its first call, or its entry
    /// expired). See <see cref="Configuration.SessionAffinityOptions"/>.
    /// </remarks>
    [JsonPropertyName("affinity")]
    public string? Affinity { get; init; }

    /// <summary>Gets the unit the call counted beyond tokens (<c>image</c>, <c>call</c>, <c>search_unit</c>), or <see langword="null"/> for a call of tokens only (<c>"billing_unit"</c>, issue #17).</summary>
    /// <remarks>The names are <see cref="Pricing.BillingUnit"/>'s in snake case (<see cref="UnitName"/>).</remarks>
    [JsonPropertyName("billing_unit")]
    public string? BillingUnit { get; init; }

    /// <summary>Gets how many <see cref="BillingUnit"/> the call delivered (images generated, calls, search units), or <see langword="null"/>.</summary>
    [JsonPropertyName("units")]
    public long? Units { get; init; }

    /// <summary>Gets the variant the units were priced at (an image's <c>size/quality</c>), or <see langword="null"/>.</summary>
    [JsonPropertyName("unit_variant")]
    public string? UnitVariant { get; init; }

    /// <summary>Gets the USD price of one unit the call was billed at, or <see langword="null"/> when its units were not priced (billed by tokens).</summary>
    [JsonPropertyName("unit_price")]
    public double? UnitPrice { get; init; }

    /// <summary>Gets the public id of the asynchronous task (<see cref="Tasks.RelayTask.TaskId"/>, <c>video_…</c>) the row charged or refunded, or <see langword="null"/> (<c>"task_id"</c>, issue #17).</summary>
    /// <remarks>The dashboard's logs page links such a row to the task and shows where the task stands.</remarks>
    [JsonPropertyName("task_id")]
    public string? TaskId { get; init; }

    /// <summary>Returns the name a <see cref="Pricing.BillingUnit"/> is stored and shown by: <c>token</c>, <c>image</c>, <c>call</c>, <c>search_unit</c>, <c>character</c>, <c>second</c>.</summary>
    /// <param name="unit">The unit.</param>
    /// <returns>Its snake-case name.</returns>
    public static string UnitName(Pricing.BillingUnit unit) => unit switch
    {
        Pricing.BillingUnit.Token => "token",
        Pricing.BillingUnit.Image => "image",
        Pricing.BillingUnit.Call => "call",
        Pricing.BillingUnit.SearchUnit => "search_unit",
        Pricing.BillingUnit.Character => "character",
        Pricing.BillingUnit.Second => "second",
        _ => unit.ToString().ToLowerInvariant(),
    };

    /// <summary>Gets a value indicating whether the upstream reported no usage and the gateway counted the tokens itself (<c>"usage":"estimated"</c>).</summary>
    [JsonIgnore]
    public bool IsUsageEstimated { get; init; }

    /// <summary>Gets the <c>usage</c> member: <c>"estimated"</c> or left out.</summary>
    [JsonInclude]
    [JsonPropertyName("usage")]
    internal string? Usage
    {
        get => IsUsageEstimated ? Estimated : null;
        init => IsUsageEstimated = value == Estimated;
    }

    /// <summary>Reads details from their stored text, which they keep verbatim.</summary>
    /// <remarks>
    /// Never fails: text that is not a JSON object of these members (a row written by another tool) is kept and shown as
    /// it is, with the properties that could not be read left <see langword="null"/>.
    /// </remarks>
    /// <param name="json">The stored text; <see langword="null"/> or empty for <see cref="None"/>.</param>
    /// <returns>The details.</returns>
    public static UsageDetails Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return None;
        }

        UsageDetails? read;
        try
        {
            read = JsonSerializer.Deserialize(json, UsageJsonContext.Default.UsageDetails);
        }
        catch (JsonException)
        {
            read = null;
        }

        read ??= new UsageDetails();
        read._json = json;
        return read;
    }

    /// <summary>Returns the text stored and shown for these details: the text they were read from, else a JSON object of the properties that are set, else the empty string.</summary>
    /// <returns>The JSON text, or the empty string when no property is set.</returns>
    public string ToJson()
    {
        if (_json is not null)
        {
            return _json;
        }

        if (ModelPrice is null && ModelRatio is null && CompletionRatio is null && CacheRatio is null && CacheCreationRatio is null && CacheCreation1hRatio is null
            && GroupRatio is null && CachedTokens is null && CacheCreationTokens is null && CacheCreation1hTokens is null && ReasoningTokens is null
            && FirstByteMs is null && !IsUsageEstimated && Affinity is null && BillingUnit is null && Units is null && UnitVariant is null && UnitPrice is null && TaskId is null)
        {
            return "";
        }

        // Written by hand with pre-encoded names: the source-generated serializer goes through a converter per nullable
        // number and took twice the old interpolation's time (bench/LlmRelay.Benchmarks/UsageDetailsBenchmarks).
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        writer.WriteStartObject();
        Write(writer, ModelPriceName, ModelPrice);
        Write(writer, ModelRatioName, ModelRatio);
        Write(writer, CompletionRatioName, CompletionRatio);
        Write(writer, CacheRatioName, CacheRatio);
        Write(writer, CacheCreationRatioName, CacheCreationRatio);
        Write(writer, CacheCreation1hRatioName, CacheCreation1hRatio);
        Write(writer, GroupRatioName, GroupRatio);
        Write(writer, CachedTokensName, CachedTokens);
        Write(writer, CacheCreationTokensName, CacheCreationTokens);
        Write(writer, CacheCreation1hTokensName, CacheCreation1hTokens);
        Write(writer, ReasoningTokensName, ReasoningTokens);
        Write(writer, FirstByteMsName, FirstByteMs);
        if (BillingUnit is not null)
        {
            writer.WriteString(BillingUnitName, BillingUnit);
        }

        Write(writer, UnitsName, Units);
        if (UnitVariant is not null)
        {
            writer.WriteString(UnitVariantName, UnitVariant);
        }

        Write(writer, UnitPriceName, UnitPrice);
        if (IsUsageEstimated)
        {
            writer.WriteString(UsageName, EstimatedValue);
        }

        if (Affinity is not null)
        {
            writer.WriteString(AffinityName, Affinity);
        }

        if (TaskId is not null)
        {
            writer.WriteString(TaskIdName, TaskId);
        }

        writer.WriteEndObject();
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <inheritdoc/>
    public override string ToString() => ToJson();

    private static void Write(Utf8JsonWriter writer, JsonEncodedText name, double? value)
    {
        if (value is not { } number)
        {
            return;
        }

        if (double.IsFinite(number))
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            // Pricing validation keeps these out of the relay; a details built by hand must not fail its row's write.
            writer.WriteString(name, number.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonEncodedText name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }
}
