using Moat.Engine.Errors;
using Moat.Security.AtRest;

namespace Moat.Engine.AtRest;

/// <summary>
/// The daemon's encryption-at-rest settings: the master key (or why there is none) and the default volume driver.
/// Without a key moatd still runs: plain volumes and containers work, encrypted volumes and sealed state refuse
/// with <see cref="MasterKeyMissingException"/>, and nothing sealed is modified or deleted.
/// </summary>
public sealed class DataAtRest : IDisposable
{
    public const string CryptDriver = "crypt";

    public DataAtRest(MasterKey? key, string? keySource = null, string? missingReason = null, string defaultVolumeDriver = "local")
    {
        Key = key;
        KeySource = keySource;
        MissingReason = missingReason;
        DefaultVolumeDriver = defaultVolumeDriver;
    }

    /// <summary>No key configured, local volumes by default.</summary>
    public static DataAtRest None => new(null);

    public MasterKey? Key { get; }
    /// <summary>"file /etc/moat/master.key" or "systemd credential moat-master-key"; never the key.</summary>
    public string? KeySource { get; }
    /// <summary>Why a configured key is not there (e.g. the file does not exist).</summary>
    public string? MissingReason { get; }
    /// <summary>"local", or "crypt" to encrypt every new volume created without an explicit driver.</summary>
    public string DefaultVolumeDriver { get; }

    /// <summary>The key, or the error that explains why <paramref name="action"/> cannot happen without it.</summary>
    public MasterKey Require(string action) => Key ?? throw new MasterKeyMissingException(action, MissingReason);

    public void Dispose() => Key?.Dispose();
}

/// <summary>Something needs the master key and moatd has none (503: moatd runs, it cannot do this until the key is back).</summary>
public sealed class MasterKeyMissingException(string action, string? reason)
    : UnavailableException($"{action}: moatd has no master key ({reason ?? "none is configured"}); set \"data-encryption-key-file\" in daemon.json or provide the systemd credential moat-master-key, then restart moatd (see docs/encryption.md)");
