namespace Moat.Security.AtRest;

/// <summary>
/// Where moatd's master key comes from: the file named by daemon.json's <c>data-encryption-key-file</c>, else the
/// systemd credential <c>moat-master-key</c> (LoadCredential=, found in $CREDENTIALS_DIRECTORY). Never from
/// daemon.json's content or the environment.
/// </summary>
public static class MasterKeySource
{
    public const string CredentialName = "moat-master-key";

    /// <summary>The outcome: a key, or none with the reason (null when no key was configured at all).</summary>
    public sealed record Result(MasterKey? Key, string? Source, string? Missing);

    /// <param name="keyFile">data-encryption-key-file, or null.</param>
    /// <param name="credentialsDirectory">$CREDENTIALS_DIRECTORY as systemd set it for this service, or null.</param>
    /// <exception cref="AtRestException">A key is there but unsafe or malformed: moatd must not start.</exception>
    public static Result Load(string? keyFile, string? credentialsDirectory)
    {
        if (!string.IsNullOrEmpty(keyFile))
        {
            try { return new Result(MasterKey.LoadFile(keyFile), "file " + keyFile, null); }
            catch (FileNotFoundException) { return new Result(null, null, $"the master key file {keyFile} does not exist"); }
        }
        if (!string.IsNullOrEmpty(credentialsDirectory))
        {
            string path = Path.Combine(credentialsDirectory, CredentialName);
            if (File.Exists(path)) return new Result(MasterKey.LoadCredential(path), "systemd credential " + CredentialName, null);
        }
        return new Result(null, null, null);
    }
}
