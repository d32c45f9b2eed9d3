namespace Moat.Security.AtRest;

/// <summary>
/// `moat key rotate`: re-seals every sealed file under a data-root from the old master key to the new one. Volume data
/// is not touched: only the wrapped volume keys and the sealed daemon state change. Each file is replaced atomically,
/// and a file already under the new key is skipped, so an interrupted rotation is finished by running it again.
/// </summary>
public static class KeyRotation
{
    /// <summary>The folders (below the data-root) whose immediate sub-folders hold sealed files.</summary>
    public static readonly IReadOnlyList<string> SealedAreas = ["volumes", "containers"];

    public sealed record Outcome(int Resealed, int AlreadyNew);

    /// <summary>Every sealed file: &lt;data-root&gt;/&lt;area&gt;/&lt;name&gt;/*.sealed.</summary>
    public static IEnumerable<string> SealedFiles(string dataRoot)
    {
        foreach (var area in SealedAreas)
        {
            string dir = Path.Combine(dataRoot, area);
            if (!Directory.Exists(dir)) continue;
            foreach (var sub in Directory.EnumerateDirectories(dir))
                foreach (var file in Directory.EnumerateFiles(sub, "*" + SealedFile.Extension))
                    yield return file;
        }
    }

    /// <summary>Checks first that every file opens with one of the two keys, then re-seals; nothing changes if one does not.</summary>
    /// <exception cref="AtRestException">A file is under a third key or damaged.</exception>
    public static Outcome Rotate(string dataRoot, MasterKey oldKey, MasterKey newKey)
    {
        var files = SealedFiles(dataRoot).ToList();
        var pending = new List<(string Path, string Purpose)>();
        int already = 0;
        foreach (var file in files)
        {
            var header = SealedFile.ReadHeader(SealedFile.ReadFile(file));
            if (header.KeyId == newKey.Id) { already++; continue; }
            if (header.KeyId != oldKey.Id)
                throw new AtRestException($"{file} is sealed with master key {header.KeyId}, which is neither the current key ({oldKey.Id}) nor the new one ({newKey.Id})");
            // Authenticate now, so a damaged file stops the rotation before anything is rewritten.
            SealedFile.OpenFile(oldKey, file, header.Purpose);
            pending.Add((file, header.Purpose));
        }
        foreach (var (path, purpose) in pending)
        {
            byte[] plain = SealedFile.OpenFile(oldKey, path, purpose);
            try { SealedFile.WriteFile(newKey, path, purpose, plain); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain); }
        }
        return new Outcome(pending.Count, already);
    }
}
