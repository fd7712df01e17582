using LlmRelay.Pricing;
using LlmRelay.Providers;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>What the relay read from an images, moderations or rerank request: just enough to route, reserve, convert and bill it (issue #17).</summary>
/// <remarks>The body itself is sent on as the caller wrote it (its <c>model</c> renamed where the channel maps it). Not thread-safe.</remarks>
internal sealed class UnitRequest
{
    /// <summary>The bytes a second of uploaded audio is estimated at (128 kbit/s, a common MP3 rate).</summary>
    public const long BytesPerSecond = 16_000;

    private SemaphoreSlim? _uploadGate;

    public UnitRequest(RelayOperation operation) => Operation = operation;

    public RelayOperation Operation { get; }

    /// <summary>Gets or sets the model the body names, or the empty string when it names none.</summary>
    public string Model { get; set; } = "";

    /// <summary>Gets or sets the text the prompt or query holds, for the token estimate and the Gemini conversion.</summary>
    public string Prompt { get; set; } = "";

    /// <summary>Gets or sets the images asked for (<c>n</c>).</summary>
    public int N { get; set; } = 1;

    public string? Size { get; set; }

    public string? Quality { get; set; }

    public string? ResponseFormat { get; set; }

    /// <summary>Gets or sets the built-in voice a speech request names, or <see langword="null"/> for a custom voice (<c>{"id": "voice_..."}</c>).</summary>
    public string? Voice { get; set; }

    /// <summary>Gets or sets the speaking style a speech request asks for (<c>instructions</c>), or <see langword="null"/>.</summary>
    public string? Instructions { get; set; }

    /// <summary>Gets or sets the bytes of the audio file uploaded for a transcription or translation.</summary>
    public long AudioBytes { get; set; }

    /// <summary>Gets a value indicating whether the body is a multipart upload: image edits, transcriptions, translations.</summary>
    public bool IsMultipart => IsMultipartOperation(Operation);

    /// <summary>Gets or sets the documents to rerank.</summary>
    public int Documents { get; set; }

    /// <summary>Gets or sets the multipart sections of an upload, in order; <see langword="null"/> for a JSON body.</summary>
    public List<MultipartPart>? Parts { get; set; }

    /// <summary>Gets or sets the multipart boundary of an upload.</summary>
    public string? Boundary { get; set; }

    /// <summary>Gets the gate that lets one attempt at a time copy the upload's sections (they are shared, and rewound by each copy).</summary>
    public SemaphoreSlim UploadGate => _uploadGate ??= new(1, 1);

    /// <summary>Gets the model routed when the body names none: OpenAI's defaults (<c>dall-e-2</c>, <c>omni-moderation-latest</c>).</summary>
    public string DefaultModel => Operation switch
    {
        RelayOperation.Moderations => "omni-moderation-latest",
        RelayOperation.ImageGenerations or RelayOperation.ImageEdits => "dall-e-2",
        RelayOperation.AudioSpeech => "tts-1",
        RelayOperation.AudioTranscriptions or RelayOperation.AudioTranslations => "whisper-1",
        _ => "",
    };

    /// <summary>Gets the unit the call counts.</summary>
    public BillingUnit Unit => Operation switch
    {
        RelayOperation.ImageGenerations or RelayOperation.ImageEdits => BillingUnit.Image,
        RelayOperation.Moderations => BillingUnit.Call,
        RelayOperation.AudioSpeech => BillingUnit.Character,
        RelayOperation.AudioTranscriptions or RelayOperation.AudioTranslations => BillingUnit.Second,
        _ => BillingUnit.SearchUnit,
    };

    /// <summary>Gets the units asked for: the images, one call, or the search units of the documents (one per 100).</summary>
    public long EstimatedUnits => Unit switch
    {
        BillingUnit.Image => N,
        BillingUnit.SearchUnit => SearchUnits(Documents),
        BillingUnit.Character => Characters(Prompt),
        BillingUnit.Second => EstimateSeconds(AudioBytes),
        _ => 1,
    };

    /// <summary>Gets the variant the images are priced at: <c>size</c>, or <c>size/quality</c> for a quality other than standard or auto.</summary>
    public string? Variant
    {
        get
        {
            if (Unit != BillingUnit.Image)
            {
                return null;
            }

            var size = Size is null or "auto" ? "1024x1024" : Size;
            return Quality is null or "standard" or "auto" ? size : $"{size}/{Quality}";
        }
    }

    /// <summary>Returns whether <paramref name="operation"/> takes a multipart upload.</summary>
    public static bool IsMultipartOperation(RelayOperation operation) =>
        operation is RelayOperation.ImageEdits or RelayOperation.AudioTranscriptions or RelayOperation.AudioTranslations;

    /// <summary>Returns the characters <paramref name="text"/> holds as speech bills them: Unicode scalar values, so an emoji or a CJK character counts once.</summary>
    public static long Characters(string text)
    {
        long count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>Returns the seconds an upload of <paramref name="bytes"/> is estimated to hold when the answer says nothing: 16,000 bytes a second (128 kbit/s MP3), at least one.</summary>
    public static long EstimateSeconds(long bytes) => Math.Max(1, (bytes + BytesPerSecond - 1) / BytesPerSecond);

    /// <summary>Returns Cohere's search units for <paramref name="documents"/>: one per started 100 documents, at least one.</summary>
    public static long SearchUnits(int documents) => Math.Max(1, (documents + 99) / 100);
}
