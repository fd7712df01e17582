namespace LlmRelay.Pricing;

/// <summary>What a model is billed by: tokens, or a unit of its own (issue #17).</summary>
/// <remarks>
/// A price names its unit (<see cref="ModelPrice.Unit"/>) and what one unit costs (<see cref="ModelPrice.UnitPrice"/>,
/// <see cref="ModelPrice.UnitPrices"/> per variant such as an image's size and quality). A call counts the units it
/// delivered on its usage-log row (<see cref="Usage.UsageDetails.Units"/>); the same <see cref="ModelPricing"/> prices them.
/// New units (audio seconds, characters, realtime minutes, tasks) are added here, at the end, and metered the same way.
/// </remarks>
public enum BillingUnit
{
    /// <summary>Prompt and completion tokens at the model's ratios (the default).</summary>
    Token,

    /// <summary>One generated or edited image; priced per image, by size and quality where the price lists variants.</summary>
    Image,

    /// <summary>One call, whatever it holds (moderations).</summary>
    Call,

    /// <summary>One search unit (rerank): one query over up to 100 documents, as Cohere counts it.</summary>
    SearchUnit,

    /// <summary>One character of text turned into speech (<c>audio/speech</c>: tts-1, tts-1-hd), counted as Unicode scalar values.</summary>
    Character,

    /// <summary>One second of audio transcribed or translated (<c>audio/transcriptions</c>, <c>audio/translations</c>: whisper-1), started seconds rounded up.</summary>
    Second,
}
