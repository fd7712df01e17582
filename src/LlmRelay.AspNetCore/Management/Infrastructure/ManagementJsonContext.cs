using System.Text.Json.Serialization;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Groups;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.AspNetCore.Management.Users;

namespace LlmRelay.AspNetCore.Management;

/// <summary>Source-generated JSON metadata for the management API, snake_case as in the specification.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonArray))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<long>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
[JsonSerializable(typeof(Dictionary<string, GroupInfoView>))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(PageView<UserView>))]
[JsonSerializable(typeof(PageView<TopUpView>))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(PageView<TokenView>))]
[JsonSerializable(typeof(ChannelView))]
[JsonSerializable(typeof(Dictionary<string, ModelCapabilityView>))]
[JsonSerializable(typeof(PageView<ChannelView>))]
[JsonSerializable(typeof(List<ChannelView>))]
[JsonSerializable(typeof(ChannelTestView))]
[JsonSerializable(typeof(List<ChannelTestView>))]
[JsonSerializable(typeof(List<KeyStatusView>))]
[JsonSerializable(typeof(RedemptionView))]
[JsonSerializable(typeof(PageView<RedemptionView>))]
[JsonSerializable(typeof(List<OptionView>))]
[JsonSerializable(typeof(SetupView))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(VerifyStatusView))]
[JsonSerializable(typeof(List<QuotaDataView>))]
[JsonSerializable(typeof(RatioConfigView))]
[JsonSerializable(typeof(List<PricingView>))]
[JsonSerializable(typeof(List<PrefillGroup>))]
[JsonSerializable(typeof(PrefillGroup))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext;
