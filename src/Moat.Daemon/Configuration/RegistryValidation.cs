namespace Moat.Daemon.Configuration;

/// <summary>dockerd's checks of <c>insecure-registries</c> and <c>registry-mirrors</c> entries (moby <c>registry/config.go</c>).</summary>
internal static class RegistryValidation
{
    /// <summary><c>ValidateIndexName</c> plus the scheme rules of <c>LoadInsecureRegistries</c>; returns the normalized entry.</summary>
    public static string InsecureRegistry(string value, List<string>? warnings)
    {
        string v = value == "index.docker.io" ? "docker.io" : value;
        if (v.StartsWith('-') || v.EndsWith('-'))
            throw new ConfigurationException($"invalid index name ({v}). Cannot begin or end with a hyphen");
        if (v.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            warnings?.Add($"insecure registry {v} should not contain 'http://' and 'http://' has been removed from the insecure registry config");
            v = v[7..];
        }
        else if (v.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            warnings?.Add($"insecure registry {v} should not contain 'https://' and 'https://' has been removed from the insecure registry config");
            v = v[8..];
        }
        else if (v.Contains("://", StringComparison.Ordinal))
        {
            throw new ConfigurationException($"insecure registry {v} should not contain '://'");
        }
        if (v.Length == 0) throw new ConfigurationException($"invalid index name ({value})");
        return v;
    }

    /// <summary><c>ValidateMirror</c>: http(s) URL without credentials, query or fragment; returns it with a trailing slash.</summary>
    public static string Mirror(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
            throw new ConfigurationException($"invalid mirror: {GoFormat.Quote(value)} is not a valid URI");
        if (uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"invalid mirror: unsupported scheme {GoFormat.Quote(uri.Scheme)} in {GoFormat.Quote(value)}");
        if (uri.Query.Length != 0 || uri.Fragment.Length != 0)
            throw new ConfigurationException($"invalid mirror: query or fragment at end of the URI {GoFormat.Quote(value)}");
        if (uri.UserInfo.Length != 0)
        {
            string user = uri.UserInfo.Split(':')[0];
            string masked = value.Replace(uri.UserInfo + "@", user + ":xxxxx@", StringComparison.Ordinal);
            throw new ConfigurationException($"invalid mirror: username/password not allowed in URI {GoFormat.Quote(masked)}");
        }
        return value.TrimEnd('/') + "/";
    }
}
