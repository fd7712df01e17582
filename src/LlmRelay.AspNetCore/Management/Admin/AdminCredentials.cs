using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmRelay.Changes;
using LlmRelay.Management;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.Configuration;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>The admin API's credentials: the admin key (or the password that replaced it), JWT signing, and the password version that revokes old JWTs.</summary>
/// <remarks>
/// <para>
/// The admin API is enabled only when <c>LlmRelay:Admin:Key</c> is set. JWTs are signed with SHA-256 of
/// <c>LlmRelay:Admin:JwtSecret</c> when set (tokens then survive restarts and work across instances), otherwise with
/// 32 random bytes drawn at start. A changed password is stored as a PBKDF2 hash in the option store (key
/// <see cref="OptionKey"/>, not listed by <c>/api/option/</c>) with the hash of the configured key it replaced; when an
/// operator sets a different <c>LlmRelay:Admin:Key</c>, the configured key wins again.
/// </para>
/// <para>Thread-safe: the state is one immutable record swapped under a lock.</para>
/// </remarks>
internal sealed class AdminCredentials : IDisposable
{
    public const string OptionKey = "LlmRelay.Admin.Password";
    public const string KeySetting = "LlmRelay:Admin:Key";
    public const string SecretSetting = "LlmRelay:Admin:JwtSecret";
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly IAdminPasswordHasher _hasher;
    private readonly AdminJwt _jwt;
    private readonly byte[] _checkKey = RandomNumberGenerator.GetBytes(32);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IRelayChangeNotifier _changes;
    private readonly IDisposable _subscription;
    private volatile AdminPasswordState? _state;
    private volatile VerifiedPassword? _verified;
    private volatile bool _loaded;
    private int _discardedVersion;
    private int _jwtExpireHours = 24;

    public AdminCredentials(IConfiguration configuration, TimeProvider time, IAdminPasswordHasher hasher, IRelayChangeNotifier changes)
    {
        _changes = changes;

        // Another instance may have changed the password (issue #18): load it again from the option store at the next check.
        _subscription = changes.Subscribe(kinds =>
        {
            if ((kinds & RelayChangeKinds.Options) != 0)
            {
                _loaded = false;
            }
        });
        _configuration = configuration;
        _time = time;
        _hasher = hasher;
        var secret = configuration[SecretSetting];
        SigningKeyFromConfiguration = !string.IsNullOrWhiteSpace(secret);
        _jwt = new AdminJwt(SigningKeyFromConfiguration ? SHA256.HashData(Encoding.UTF8.GetBytes(secret!)) : RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>Gets a value indicating whether <c>LlmRelay:Admin:Key</c> is set.</summary>
    public bool Enabled => ConfiguredKey is not null;

    public bool SigningKeyFromConfiguration { get; }

    /// <summary>Gets a value indicating whether the password was changed through the API (and still applies).</summary>
    public bool PasswordChanged => CurrentState is not null;

    public int PasswordVersion => CurrentState?.Version ?? _discardedVersion;

    /// <summary>Gets or sets how long newly issued JWTs live, in hours (1 to 720); hot-updatable.</summary>
    public int JwtExpireHours
    {
        get => Volatile.Read(ref _jwtExpireHours);
        set => Volatile.Write(ref _jwtExpireHours, Math.Clamp(value, 1, 720));
    }

    private string? ConfiguredKey => _configuration[KeySetting] is { } key && !string.IsNullOrWhiteSpace(key) ? key.Trim() : null;

    private AdminPasswordState? CurrentState =>
        _state is { } state && ConfiguredKey is { } key && state.ConfigKeyHash == ApiKeys.Hash(key) ? state : null;

    /// <summary>Loads a changed password from the option store once per process.</summary>
    public async ValueTask EnsureLoadedAsync(IOptionStore options, CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_loaded)
            {
                var stored = (await options.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(static o => o.Key == OptionKey);
                _state = stored is null ? null : Parse(stored.Value);
                if (_state is not null && CurrentState is null)
                {
                    // The configured key changed since: it wins, and JWTs issued under the old password stay invalid.
                    _discardedVersion = _state.Version + 1;
                }

                _loaded = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Checks a presented admin key or password in fixed time.</summary>
    /// <remarks>
    /// Candidates are compared as HMAC-SHA256 under a per-process random key, in fixed time. A changed password is stored
    /// as a PBKDF2 hash (about 20 ms of CPU); once the password has been verified (or set) in this process, its HMAC is
    /// kept in memory and every later candidate is compared with that, so a wrong guess never costs a password hash.
    /// Only until the first successful check after a restart does a candidate cost one, and the callers' per-address
    /// limit bounds those (issue #13).
    /// </remarks>
    public bool CheckPassword(string candidate)
    {
        if (ConfiguredKey is not { } configured)
        {
            return false;
        }

        var mac = Mac(candidate);
        if (CurrentState is { } state)
        {
            if (_verified is { } verified && ReferenceEquals(verified.State, state))
            {
                return CryptographicOperations.FixedTimeEquals(mac, verified.Mac);
            }

            var hash = _hasher.Hash(candidate, state.Salt, state.Hash.Length);
            if (!CryptographicOperations.FixedTimeEquals(hash, state.Hash))
            {
                return false;
            }

            _verified = new VerifiedPassword(state, mac);
            return true;
        }

        return CryptographicOperations.FixedTimeEquals(mac, Mac(configured));
    }

    public (string Token, DateTimeOffset ExpiresAt) Issue(int hours)
    {
        var now = _time.GetUtcNow();
        var expires = now.AddHours(Math.Clamp(hours, 1, 720));
        return (_jwt.Create(now, expires, PasswordVersion), expires);
    }

    /// <summary>Returns the expiry of a valid JWT: right signature, not expired, current password version.</summary>
    public async ValueTask<DateTimeOffset?> ValidateAsync(string token)
    {
        var read = await _jwt.ReadAsync(token).ConfigureAwait(false);
        return read is { } claims && claims.ExpiresAt > _time.GetUtcNow() && claims.PasswordVersion == PasswordVersion ? claims.ExpiresAt : null;
    }

    /// <summary>Replaces the admin password, stores its hash and bumps the version so every JWT issued before stops working.</summary>
    public async Task<int> ChangePasswordAsync(string newPassword, IOptionStore options, CancellationToken cancellationToken)
    {
        var configured = ConfiguredKey ?? throw new InvalidOperationException("The admin API is disabled.");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            var hash = _hasher.Hash(newPassword, salt, 32);
            var state = new AdminPasswordState(hash, salt, PasswordVersion + 1, ApiKeys.Hash(configured));
            await options.SetAsync([new SystemOption { Key = OptionKey, Value = Format(state) }], cancellationToken).ConfigureAwait(false);
            _state = state;
            _verified = new VerifiedPassword(state, Mac(newPassword));
            _loaded = true;
            _changes.Publish(RelayChangeKinds.Options);
            return state.Version;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _gate.Dispose();
    }

    private byte[] Mac(string value) => HMACSHA256.HashData(_checkKey, Encoding.UTF8.GetBytes(value));

    private static string Format(AdminPasswordState state)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBase64String("hash", state.Hash);
            writer.WriteBase64String("salt", state.Salt);
            writer.WriteNumber("version", state.Version);
            writer.WriteString("config_key_hash", state.ConfigKeyHash);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static AdminPasswordState? Parse(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            return new AdminPasswordState(
                root.GetProperty("hash").GetBytesFromBase64(),
                root.GetProperty("salt").GetBytesFromBase64(),
                root.GetProperty("version").GetInt32(),
                root.GetProperty("config_key_hash").GetString() ?? "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
