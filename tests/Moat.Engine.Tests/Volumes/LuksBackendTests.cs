using System.Security.Cryptography;
using Moat.Engine.Volumes.Crypt;

namespace Moat.Engine.Tests.Volumes;

/// <summary>
/// The LUKS backend's parts that run without device-mapper (this VM's kernel has none): the format with a detached
/// header through real cryptsetup, the key passed on stdin, and crypto-erase by the header alone.
/// </summary>
public sealed class LuksBackendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-luks-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Format_DetachedHeader_OpensWithTheVolumeKeyOnly()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        string backing = Path.Combine(_dir, "vol");

        LuksBackend.Format(backing, key);

        Assert.True(LuksBackend.KeyOpens(backing, key));
        Assert.False(LuksBackend.KeyOpens(backing, RandomNumberGenerator.GetBytes(32)));
        // Sparse: the 64 GiB image takes no space until written; only the header holds key material.
        Assert.Equal(LuksBackend.ImageBytes, new FileInfo(Path.Combine(backing, LuksBackend.ImageFile)).Length);
        Assert.Equal([Path.Combine(backing, LuksBackend.HeaderFile)], new LuksBackend().KeyMaterial(backing));
        File.Delete(Path.Combine(backing, LuksBackend.HeaderFile));
        Assert.False(LuksBackend.KeyOpens(backing, key));
    }

    [Fact]
    public void MapperName_StableShortAndPerMountpoint()
    {
        string a = LuksBackend.MapperName("/var/run/docker/moat-volumes/a");
        Assert.Equal(a, LuksBackend.MapperName("/var/run/docker/moat-volumes/a"));
        Assert.NotEqual(a, LuksBackend.MapperName("/var/run/docker/moat-volumes/b"));
        Assert.Matches("^moat-[0-9a-f]{24}$", a);
    }
}
