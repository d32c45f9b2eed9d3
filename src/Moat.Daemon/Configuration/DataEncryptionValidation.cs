namespace Moat.Daemon.Configuration;

/// <summary>Checks of the encryption-at-rest keys (data-encryption-key-file, default-volume-driver) at load and reload.</summary>
internal static class DataEncryptionValidation
{
    public static void Validate(string keyFile, string defaultVolumeDriver)
    {
        if (keyFile.Length > 0)
        {
            if (!Path.IsPathFullyQualified(keyFile))
                throw new ConfigurationException($"data-encryption-key-file must be an absolute path: {GoFormat.Quote(keyFile)}");
            if (keyFile.EndsWith('/'))
                throw new ConfigurationException($"data-encryption-key-file must name a file, not a directory: {GoFormat.Quote(keyFile)}");
        }
        if (defaultVolumeDriver is not ("local" or "crypt"))
            throw new ConfigurationException($"invalid default-volume-driver: {GoFormat.Quote(defaultVolumeDriver)} (use \"local\" or \"crypt\")");
    }
}
