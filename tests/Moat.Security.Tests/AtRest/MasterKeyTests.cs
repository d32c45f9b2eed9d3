using Moat.Security.AtRest;

namespace Moat.Security.Tests.AtRest;

public sealed class MasterKeyTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("moat-key-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void WriteFile_IsRootOnly0400AndLoadsBack()
    {
        using var key = MasterKey.Generate();
        key.WriteFile(PathOf("master.key"), overwrite: false);

        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(PathOf("master.key")));
        Assert.Matches("^[0-9a-f]{64}\n$", File.ReadAllText(PathOf("master.key")));
        using var loaded = MasterKey.LoadFile(PathOf("master.key"));
        Assert.Equal(key.Id, loaded.Id);
        Assert.Single(_dir.GetFiles()); // no temp file left
    }

    [Fact]
    public void WriteFile_Existing_Refused()
    {
        using var key = MasterKey.Generate();
        key.WriteFile(PathOf("master.key"), overwrite: false);
        using var other = MasterKey.Generate();
        Assert.Throws<AtRestException>(() => other.WriteFile(PathOf("master.key"), overwrite: false));
        using var loaded = MasterKey.LoadFile(PathOf("master.key"));
        Assert.Equal(key.Id, loaded.Id);
    }

    [Theory]
    [InlineData("0440")]
    [InlineData("0404")]
    [InlineData("0600")]
    [InlineData("0644")]
    public void LoadFile_GroupOrOtherBits_RefusedUnlessOwnerOnly(string mode)
    {
        using var key = MasterKey.Generate();
        key.WriteFile(PathOf("master.key"), overwrite: false);
        File.SetUnixFileMode(PathOf("master.key"), (UnixFileMode)Convert.ToInt32(mode, 8));

        if (mode == "0600")
        {
            using var ok = MasterKey.LoadFile(PathOf("master.key"));
            Assert.Equal(key.Id, ok.Id);
            return;
        }
        var e = Assert.Throws<AtRestException>(() => MasterKey.LoadFile(PathOf("master.key")));
        Assert.Contains($"has mode {mode}", e.Message);
        Assert.Contains("chmod 0400", e.Message);
    }

    [Fact]
    public void LoadFile_Symlink_Refused()
    {
        using var key = MasterKey.Generate();
        key.WriteFile(PathOf("master.key"), overwrite: false);
        File.CreateSymbolicLink(PathOf("link.key"), PathOf("master.key"));
        Assert.Contains("symlink", Assert.Throws<AtRestException>(() => MasterKey.LoadFile(PathOf("link.key"))).Message);
    }

    [Fact]
    public void LoadFile_Missing_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => MasterKey.LoadFile(PathOf("absent.key")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00112233")]
    [InlineData("zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")]
    public void LoadFile_Malformed_SaysWhatIsExpected(string content)
    {
        File.WriteAllText(PathOf("bad.key"), content);
        File.SetUnixFileMode(PathOf("bad.key"), UnixFileMode.UserRead);
        Assert.Contains("64 hex digits", Assert.Throws<AtRestException>(() => MasterKey.LoadFile(PathOf("bad.key"))).Message);
    }

    [Fact]
    public void Id_IsStableAndDoesNotRevealTheKey()
    {
        byte[] bytes = new byte[32];
        bytes[0] = 7;
        using var a = MasterKey.FromBytes(bytes);
        using var b = MasterKey.FromBytes(bytes);
        Assert.Equal(a.Id, b.Id);
        Assert.Equal(16, a.Id.Length);
        Assert.DoesNotContain(Convert.ToHexStringLower(bytes)[..16], a.Id);
    }

    [Fact]
    public void Source_KeyFileWins_MissingFileIsReportedNotFatal()
    {
        var missing = MasterKeySource.Load(PathOf("absent.key"), null);
        Assert.Null(missing.Key);
        Assert.Contains("does not exist", missing.Missing);

        Assert.Equal(new MasterKeySource.Result(null, null, null), MasterKeySource.Load(null, null));
    }

    [Fact]
    public void Source_SystemdCredential_IsLoaded()
    {
        using var key = MasterKey.Generate();
        Directory.CreateDirectory(PathOf("creds"));
        key.WriteFile(Path.Combine(PathOf("creds"), MasterKeySource.CredentialName), overwrite: false);

        var result = MasterKeySource.Load(null, PathOf("creds"));
        Assert.Equal(key.Id, result.Key!.Id);
        Assert.Equal("systemd credential moat-master-key", result.Source);
    }

    [Fact]
    public void Source_UnsafeKeyFile_Throws()
    {
        File.WriteAllText(PathOf("open.key"), new string('a', 64));
        File.SetUnixFileMode(PathOf("open.key"), (UnixFileMode)Convert.ToInt32("0644", 8));
        Assert.Throws<AtRestException>(() => MasterKeySource.Load(PathOf("open.key"), null));
    }

    [Fact]
    public void StateLock_SecondHolder_IsRefusedUntilReleased()
    {
        var first = StateLock.TryAcquire(_dir.FullName);
        Assert.NotNull(first);
        Assert.Null(StateLock.TryAcquire(_dir.FullName));
        first.Dispose();
        using var again = StateLock.TryAcquire(_dir.FullName);
        Assert.NotNull(again);
    }
}
