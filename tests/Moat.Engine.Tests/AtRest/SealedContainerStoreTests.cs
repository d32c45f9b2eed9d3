using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Moat.Engine.AtRest;
using Moat.Engine.Containers;
using Moat.Engine.Errors;
using Moat.Engine.Tests.Containers;
using Moat.Security.AtRest;

namespace Moat.Engine.Tests.AtRest;

public sealed class SealedContainerStoreTests : IDisposable
{
    private readonly ContainerTestDir _dir = new();
    private readonly MasterKey _key = MasterKey.Generate();

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    private ContainerStore Store(MasterKey? key) =>
        new(_dir.Options, NullLogger<ContainerStore>.Instance, key is null ? null : new DataAtRest(key));

    private static ContainerRecord SecretRecord(string name)
    {
        var r = ContainerTestDir.Record(name);
        r.Path = "run-secret-path";
        r.Args = ["--token=secret-arg"];
        r.Config.Env = ["SECRET=secret-env"];
        r.Config.Cmd = ["secret-cmd"];
        r.Config.Entrypoint = ["secret-entry"];
        r.Config.Labels = new() { ["l"] = "secret-label" };
        return r;
    }

    private void AssertNoPlainSecrets()
    {
        foreach (var file in Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories))
        {
            string text = Encoding.UTF8.GetString(File.ReadAllBytes(file));
            Assert.DoesNotContain("secret-", text);
        }
    }

    [Fact]
    public void Save_WithKey_NoSecretInAnyFile_ReloadRestoresThem()
    {
        var record = SecretRecord("web");
        Store(_key).Add(record);

        AssertNoPlainSecrets();
        Assert.True(File.Exists(Path.Combine(_dir.Path, "containers", record.Id, "secrets.sealed")));
        var loaded = Store(_key).Get("web");
        Assert.Equal(["SECRET=secret-env"], loaded.Config.Env);
        Assert.Equal(["secret-cmd"], loaded.Config.Cmd);
        Assert.Equal(["secret-entry"], loaded.Config.Entrypoint);
        Assert.Equal("secret-label", loaded.Config.Labels!["l"]);
        Assert.Equal("run-secret-path", loaded.Path);
        Assert.Equal(["--token=secret-arg"], loaded.Args);
        Assert.Equal("busybox", loaded.Config.Image);
    }

    [Fact]
    public void Load_PlainStateWithKey_IsMigrated()
    {
        var record = SecretRecord("old");
        Store(null).Add(record);
        Assert.Contains("secret-env", File.ReadAllText(Path.Combine(_dir.Path, "containers", record.Id, "config.v2.json")));

        var migrated = Store(_key);

        AssertNoPlainSecrets();
        Assert.Equal(["SECRET=secret-env"], migrated.Get("old").Config.Env);
    }

    [Fact]
    public void Load_SealedWithoutKey_ListedButCannotStartAndSealedFileKept()
    {
        var record = SecretRecord("locked");
        Store(_key).Add(record);
        string sealedPath = Path.Combine(_dir.Path, "containers", record.Id, "secrets.sealed");
        byte[] sealedBefore = File.ReadAllBytes(sealedPath);

        var store = new ContainerStore(_dir.Options, NullLogger<ContainerStore>.Instance, new DataAtRest(null, null, "the master key file /k does not exist"));
        var loaded = store.Get("locked");
        Assert.Null(loaded.Config.Env);
        var e = Assert.Throws<MasterKeyMissingException>(() => store.EnsureUnsealed(loaded));
        Assert.Contains("cannot start container locked: its configuration is encrypted: moatd has no master key (the master key file /k does not exist)", e.Message);

        loaded.State.ExitCode = 3;
        store.Save(loaded); // state changes while locked must not destroy the sealed secrets
        Assert.Equal(sealedBefore, File.ReadAllBytes(sealedPath));

        var back = Store(_key).Get("locked");
        Assert.Equal(["SECRET=secret-env"], back.Config.Env);
        Assert.Equal(3, back.State.ExitCode);
    }

    [Fact]
    public void Load_SealedUnderOtherKey_RefusedToStart()
    {
        Store(_key).Add(SecretRecord("other"));
        using var stranger = MasterKey.Generate();
        var store = Store(stranger);
        var e = Assert.Throws<UnavailableException>(() => store.EnsureUnsealed(store.Get("other")));
        Assert.Contains("sealed with another master key", e.Message);
    }

    [Fact]
    public void Load_TamperedSecrets_NotLoadedIntoTheRecord()
    {
        var record = SecretRecord("tampered");
        Store(_key).Add(record);
        string sealedPath = Path.Combine(_dir.Path, "containers", record.Id, "secrets.sealed");
        byte[] bytes = File.ReadAllBytes(sealedPath);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(sealedPath, bytes);

        var store = Store(_key);
        Assert.Null(store.Get("tampered").Config.Env);
        Assert.Throws<UnavailableException>(() => store.EnsureUnsealed(store.Get("tampered")));
    }
}
