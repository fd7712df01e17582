using System.Text;

namespace LlmRelay.Benchmarks;

/// <summary>Synthetic upstream SSE bodies shaped like the recorded provider traffic (../shared/fixtures/upstream).</summary>
internal static class StreamInputs
{
    public const int TextEvents = 1000;

    public static byte[] OpenAIChat()
    {
        var sb = new StringBuilder();
        const string head = "data: {\"id\":\"chatcmpl-CoDWpGC47t2wtJ7PYJq9LCn0IZunc\",\"object\":\"chat.completion.chunk\",\"created\":1766084439,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_e413f45763\",\"usage\":null,\"choices\":[{\"index\":0,\"delta\":";
        sb.Append(head).Append("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"ab\"}\n\n");
        for (int i = 0; i < TextEvents; i++)
        {
            sb.Append(head).Append("{\"content\":\" token").Append(i % 10).Append(" and more\"},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"xYz12\"}\n\n");
        }

        sb.Append(head).Append("{\"tool_calls\":[{\"index\":0,\"id\":\"call_M26z19sncd7b4LBgzKRRbaUE\",\"type\":\"function\",\"function\":{\"name\":\"secret_retrieval_tool\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"\"}\n\n");
        sb.Append(head).Append("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"password\\\": \\\"mellon\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"\"}\n\n");
        sb.Append(head).Append("{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"obfuscation\":\"6cMX\"}\n\n");
        sb.Append("data: {\"id\":\"chatcmpl-CoDWpGC47t2wtJ7PYJq9LCn0IZunc\",\"object\":\"chat.completion.chunk\",\"created\":1766084439,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":75,\"completion_tokens\":53,\"total_tokens\":128,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}}\n\n");
        sb.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static byte[] Anthropic()
    {
        var sb = new StringBuilder();
        sb.Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-20250514\",\"id\":\"msg_013zKrzHmx2EAPhcF2gQKQ4k\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":416,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1,\"service_tier\":\"standard\"}}      }\n\n");
        sb.Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}              }\n\n");
        for (int i = 0; i < TextEvents; i++)
        {
            sb.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" token").Append(i % 10).Append(" and more\"}   }\n\n");
            if (i % 100 == 0)
            {
                sb.Append("event: ping\ndata: {\"type\": \"ping\"}\n\n");
            }
        }

        sb.Append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0  }\n\n");
        sb.Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_015cUijgET79LXjgeYQerN2h\",\"name\":\"secret_retrieval_tool\",\"input\":{}}           }\n\n");
        sb.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"password\\\": \\\"mellon\\\"}\"}     }\n\n");
        sb.Append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1              }\n\n");
        sb.Append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":416,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":109}               }\n\n");
        sb.Append("event: message_stop\ndata: {\"type\":\"message_stop\"            }\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static byte[] Gemini()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < TextEvents; i++)
        {
            sb.Append("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" token").Append(i % 10).Append(" and more\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 30,\"candidatesTokenCount\": ").Append(i).Append(",\"totalTokenCount\": ").Append(30 + i).Append(",\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 30}]},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"g6RgaZHQOv-_qtsP9sujiAw\"}\r\n\r\n");
        }

        sb.Append("data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"secret_retrieval_tool\",\"args\": {\"password\": \"mellon\"}},\"thoughtSignature\": \"CikB0e2Kbw5tJ9dwYB9m1I9W28H1Pvbhg7iF\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 30,\"candidatesTokenCount\": 1040,\"totalTokenCount\": 1070},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"g6RgaZHQOv-_qtsP9sujiAw\"}\r\n\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
