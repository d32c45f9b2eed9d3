using System.Text;
using Moat.Security.AtRest;

namespace Moat.Security.Tests.AtRest;

public sealed class SealedFileTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("{\"Env\":[\"SECRET=hunter2\"]}");

    [Fact]
    public void Seal_Open_RoundTripsAndHidesPlaintext()
    {
        using var key = MasterKey.Generate();
        byte[] sealedBytes = SealedFile.Seal(key, "container-config:abc", Secret);

        Assert.Equal(-1, sealedBytes.AsSpan().IndexOf("hunter2"u8));
        Assert.Equal(Secret, SealedFile.Open(key, sealedBytes, "container-config:abc"));
    }

    [Fact]
    public void Seal_SamePlaintextTwice_DiffersByNonce()
    {
        using var key = MasterKey.Generate();
        Assert.NotEqual(SealedFile.Seal(key, "p", Secret), SealedFile.Seal(key, "p", Secret));
    }

    [Fact]
    public void ReadHeader_ShowsVersionKeyIdAndPurposeWithoutTheKey()
    {
        using var key = MasterKey.Generate();
        var header = SealedFile.ReadHeader(SealedFile.Seal(key, "volume-key:data", Secret));

        Assert.Equal(SealedFile.Version, header.Version);
        Assert.Equal(key.Id, header.KeyId);
        Assert.Equal("volume-key:data", header.Purpose);
    }

    [Fact]
    public void Open_AnyFlippedByte_FailsAuthentication()
    {
        using var key = MasterKey.Generate();
        byte[] sealedBytes = SealedFile.Seal(key, "volume-key:data", Secret);
        var header = SealedFile.ReadHeader(sealedBytes);
        // Every byte after the key id: purpose, nonce, ciphertext and tag are all authenticated.
        for (int i = header.Length - "volume-key:data".Length; i < sealedBytes.Length; i++)
        {
            byte[] tampered = (byte[])sealedBytes.Clone();
            tampered[i] ^= 0x01;
            Assert.Throws<AtRestException>(() => SealedFile.Open(key, tampered, null));
        }
    }

    [Fact]
    public void Open_Truncated_Throws()
    {
        using var key = MasterKey.Generate();
        byte[] sealedBytes = SealedFile.Seal(key, "p", Secret);
        var e = Assert.Throws<AtRestException>(() => SealedFile.Open(key, sealedBytes[..^1], "p"));
        Assert.Contains("altered", e.Message);
        Assert.Throws<AtRestException>(() => SealedFile.Open(key, sealedBytes[..20], "p"));
    }

    [Fact]
    public void Open_OtherKey_NamesBothKeyIds()
    {
        using var key = MasterKey.Generate();
        using var other = MasterKey.Generate();
        var e = Assert.Throws<AtRestException>(() => SealedFile.Open(other, SealedFile.Seal(key, "p", Secret), "p"));
        Assert.Contains(key.Id, e.Message);
        Assert.Contains(other.Id, e.Message);
    }

    [Fact]
    public void Open_KeyIdRewrittenToMatchOtherKey_StillFails()
    {
        using var key = MasterKey.Generate();
        using var other = MasterKey.Generate();
        byte[] sealedBytes = SealedFile.Seal(key, "p", Secret);
        Convert.FromHexString(other.Id).CopyTo(sealedBytes, 9);
        Assert.Throws<AtRestException>(() => SealedFile.Open(other, sealedBytes, "p"));
    }

    [Fact]
    public void Open_OtherPurpose_Refused()
    {
        using var key = MasterKey.Generate();
        var e = Assert.Throws<AtRestException>(() => SealedFile.Open(key, SealedFile.Seal(key, "volume-key:a", Secret), "volume-key:b"));
        Assert.Contains("volume-key:a", e.Message);
    }

    [Fact]
    public void Open_UnknownVersion_Refused()
    {
        using var key = MasterKey.Generate();
        byte[] sealedBytes = SealedFile.Seal(key, "p", Secret);
        sealedBytes[8] = 2;
        Assert.Contains("version 2", Assert.Throws<AtRestException>(() => SealedFile.Open(key, sealedBytes, "p")).Message);
    }

    [Fact]
    public void Open_NotSealed_Refused()
    {
        using var key = MasterKey.Generate();
        Assert.Contains("not a sealed file", Assert.Throws<AtRestException>(() => SealedFile.Open(key, Secret, null)).Message);
    }

    [Fact]
    public void WriteFile_Destroy_LeavesNothing()
    {
        var dir = Directory.CreateTempSubdirectory("moat-seal-");
        try
        {
            using var key = MasterKey.Generate();
            string path = Path.Combine(dir.FullName, "k.sealed");
            SealedFile.WriteFile(key, path, "p", Secret);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(Secret, SealedFile.OpenFile(key, path, "p"));
            Assert.Single(Directory.GetFiles(dir.FullName));

            SealedFile.Destroy(path);
            Assert.Empty(Directory.GetFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
