using System.Text;
using Moat.Security.AtRest;

namespace Moat.Security.Tests.AtRest;

public sealed class KeyRotationTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("moat-rotate-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Seal(MasterKey key, string area, string name, string file, string purpose, string content)
    {
        string dir = Path.Combine(_root.FullName, area, name);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, file);
        SealedFile.WriteFile(key, path, purpose, Encoding.UTF8.GetBytes(content));
        return path;
    }

    [Fact]
    public void Rotate_ResealsEveryFileKeepingPurposeAndContent()
    {
        using var oldKey = MasterKey.Generate();
        using var newKey = MasterKey.Generate();
        string volume = Seal(oldKey, "volumes", "data", "volume-key.sealed", "volume-key:data", "volume key bytes");
        string container = Seal(oldKey, "containers", "abc", "secrets.sealed", "container-config:abc", "{\"Env\":[]}");

        var outcome = KeyRotation.Rotate(_root.FullName, oldKey, newKey);

        Assert.Equal(2, outcome.Resealed);
        Assert.Equal("volume key bytes", Encoding.UTF8.GetString(SealedFile.OpenFile(newKey, volume, "volume-key:data")));
        Assert.Equal("{\"Env\":[]}", Encoding.UTF8.GetString(SealedFile.OpenFile(newKey, container, "container-config:abc")));
        Assert.Throws<AtRestException>(() => SealedFile.OpenFile(oldKey, volume, "volume-key:data"));
    }

    [Fact]
    public void Rotate_Twice_SkipsFilesAlreadyUnderTheNewKey()
    {
        using var oldKey = MasterKey.Generate();
        using var newKey = MasterKey.Generate();
        Seal(oldKey, "volumes", "a", "volume-key.sealed", "volume-key:a", "a");
        Seal(newKey, "volumes", "b", "volume-key.sealed", "volume-key:b", "b");

        Assert.Equal(new KeyRotation.Outcome(1, 1), KeyRotation.Rotate(_root.FullName, oldKey, newKey));
        Assert.Equal(new KeyRotation.Outcome(0, 2), KeyRotation.Rotate(_root.FullName, oldKey, newKey));
    }

    [Fact]
    public void Rotate_FileUnderAThirdKey_ChangesNothing()
    {
        using var oldKey = MasterKey.Generate();
        using var newKey = MasterKey.Generate();
        using var stranger = MasterKey.Generate();
        string mine = Seal(oldKey, "volumes", "a", "volume-key.sealed", "volume-key:a", "a");
        Seal(stranger, "volumes", "b", "volume-key.sealed", "volume-key:b", "b");
        byte[] before = File.ReadAllBytes(mine);

        var e = Assert.Throws<AtRestException>(() => KeyRotation.Rotate(_root.FullName, oldKey, newKey));
        Assert.Contains(stranger.Id, e.Message);
        Assert.Equal(before, File.ReadAllBytes(mine));
    }

    [Fact]
    public void Rotate_TamperedFile_ChangesNothing()
    {
        using var oldKey = MasterKey.Generate();
        using var newKey = MasterKey.Generate();
        string good = Seal(oldKey, "containers", "a", "secrets.sealed", "container-config:a", "a");
        string bad = Seal(oldKey, "containers", "b", "secrets.sealed", "container-config:b", "b");
        byte[] bytes = File.ReadAllBytes(bad);
        bytes[^1] ^= 1;
        File.WriteAllBytes(bad, bytes);
        byte[] before = File.ReadAllBytes(good);

        Assert.Throws<AtRestException>(() => KeyRotation.Rotate(_root.FullName, oldKey, newKey));
        Assert.Equal(before, File.ReadAllBytes(good));
    }
}
