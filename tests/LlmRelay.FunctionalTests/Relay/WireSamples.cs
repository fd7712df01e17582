namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Wire bodies shaped like real OpenAI traffic (see ../shared/fixtures/upstream/openai): pretty-printed bodies, obfuscation fields, usage-only final chunk.</summary>
internal static class WireSamples
{
    public const string ChatRequest = """
        {"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say héllo ✓"}],"temperature":0.2}
        """;

    public const string ChatResponse = """
        {
          "id": "chatcmpl-test123",
          "object": "chat.completion",
          "created": 1766084435,
          "model": "gpt-4o-2024-08-06",
          "choices": [
            {
              "index": 0,
              "message": {
                "role": "assistant",
                "content": "Héllo ✓",
                "refusal": null,
                "annotations": []
              },
              "logprobs": null,
              "finish_reason": "stop"
            }
          ],
          "usage": {
            "prompt_tokens": 21,
            "completion_tokens": 4,
            "total_tokens": 25,
            "prompt_tokens_details": {
              "cached_tokens": 0,
              "audio_tokens": 0
            },
            "completion_tokens_details": {
              "reasoning_tokens": 0,
              "audio_tokens": 0,
              "accepted_prediction_tokens": 0,
              "rejected_prediction_tokens": 0
            }
          },
          "service_tier": "default",
          "system_fingerprint": "fp_deacdd5f6f"
        }

        """;

    public const string StreamContent =
        "data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"nYdSa\"}\n\n" +
        "data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"I7vg\"}\n\n" +
        "data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo ✓\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"x\"}\n\n" +
        "data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null,\"obfuscation\":\"ab\"}\n\n";

    public const string StreamUsage =
        "data: {\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":10,\"total_tokens\":26,\"prompt_tokens_details\":{\"cached_tokens\":4,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}},\"obfuscation\":\"177f\"}\n\n";

    public const string StreamDone = "data: [DONE]\n\n";

    public const string StreamWithUsage = StreamContent + StreamUsage + StreamDone;
}
