using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class DataEncryptionConfigTests : IDisposable
{
    private readonly ConfigTestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_Defaults_NoKeyFileLocalVolumes()
    {
        var s = _dir.Load("{}");
        Assert.Null(s.DataEncryptionKeyFile);
        Assert.Equal("local", s.DefaultVolumeDriver);
    }

    [Fact]
    public void Load_KeysFromFile()
    {
        var s = _dir.Load("{\"data-encryption-key-file\": \"/etc/moat/master.key\", \"default-volume-driver\": \"crypt\"}");
        Assert.Equal("/etc/moat/master.key", s.DataEncryptionKeyFile);
        Assert.Equal("crypt", s.DefaultVolumeDriver);
    }

    [Fact]
    public void Load_Flags()
    {
        var s = _dir.LoadArgs("--data-encryption-key-file", "/k", "--default-volume-driver", "crypt");
        Assert.Equal("/k", s.DataEncryptionKeyFile);
        Assert.Equal("crypt", s.DefaultVolumeDriver);
    }

    [Fact]
    public void Load_RelativeKeyFile_Refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => _dir.Load("{\"data-encryption-key-file\": \"master.key\"}"));
        Assert.Contains("data-encryption-key-file must be an absolute path: \"master.key\"", e.Message);
    }

    [Fact]
    public void Load_UnknownVolumeDriver_Refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => _dir.Load("{\"default-volume-driver\": \"nfs\"}"));
        Assert.Contains("invalid default-volume-driver: \"nfs\" (use \"local\" or \"crypt\")", e.Message);
    }

    [Fact]
    public void Load_KeyFileNotAString_Refused()
    {
        Assert.Throws<ConfigurationException>(() => _dir.Load("{\"data-encryption-key-file\": 42}"));
    }

    [Fact]
    public void Load_KeyFileInFileAndFlag_IsAConflict()
    {
        var e = Assert.Throws<ConfigurationException>(() => _dir.Load("{\"data-encryption-key-file\": \"/a\"}", "--data-encryption-key-file", "/b"));
        Assert.Contains("data-encryption-key-file", e.Message);
    }

    [Fact]
    public void Usage_ListsTheFlags()
    {
        string usage = DaemonFlags.Usage();
        Assert.Contains("--data-encryption-key-file", usage);
        Assert.Contains("--default-volume-driver", usage);
    }
}
