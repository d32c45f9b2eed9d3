using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.AtRest;

/// <summary>
/// Data at rest with the real docker CLI and dist/moatd: encrypted volumes (crypt driver, gocryptfs here), sealed
/// container configuration, moatd without its master key, `moat key rotate`, crypto-erase on rm, luks refusal.
/// </summary>
public sealed class EncryptedVolumeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EncryptedVolume_MarkerNeverOnDisk_SurvivesRestartKeyLossAndRotation()
    {
        await using var host = new EncryptedHost("moat-atrest");
        await host.InitKeyAsync();
        string keyHex = File.ReadAllText(host.KeyFile).Trim();
        await host.StartAsync();
        await BusyboxImage.ImportAsync(host.Daemon!);
        string marker = "moat-marker-" + Guid.NewGuid().ToString("N");
        string marker2 = "moat-env-" + Guid.NewGuid().ToString("N");

        Assert.Contains("name=encryption-at-rest", await host.OkAsync("info", "-f", "{{json .SecurityOptions}}"));
        Assert.DoesNotContain(keyHex, await host.OkAsync("info", "-f", "{{json .}}"));

        // 1. An encrypted volume; inspect shows backend and cipher, never the key.
        Assert.Equal("vault", await host.OkAsync("volume", "create", "--driver", "crypt", "vault"));
        string inspect = await host.OkAsync("volume", "inspect", "vault");
        using (var doc = JsonDocument.Parse(inspect))
        {
            var v = doc.RootElement[0];
            Assert.Equal("crypt", v.GetProperty("Driver").GetString());
            Assert.Equal("gocryptfs", v.GetProperty("Options").GetProperty("backend").GetString());
            Assert.Equal("AES-256-GCM", v.GetProperty("Options").GetProperty("cipher").GetString());
        }
        Assert.DoesNotContain(keyHex, inspect);
        await host.OkAsync("volume", "create", "plainvol");
        await host.OkAsync("run", "--rm", "-v", "plainvol:/p", "busybox", "sh", "-c", "echo plain-ok > /p/f");

        // 2. Write the marker through a container; afterwards the volume is locked and no file holds the marker.
        await host.OkAsync("run", "--rm", "-v", "vault:/data", "busybox", "sh", "-c", $"echo {marker} > /data/marker && sync");
        Assert.Empty(host.MountsBelow("exec/moat-volumes"));
        string backing = Path.Combine(host.DataRoot, "volumes", "vault");
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(backing, "crypt")));
        Assert.Empty(EncryptedHost.FilesContaining(backing, marker));
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, marker));

        // 3. Run again: the data is back.
        await host.OkAsync("run", "--rm", "-v", "vault:/data", "busybox", "sh", "-c", $"test \"$(cat /data/marker)\" = {marker}");

        // 4. A secret in the environment (and the command) is nowhere under the data-root, yet the daemon knows it.
        await host.OkAsync("run", "--name", "envbox", "-e", "SECRET=" + marker2, "--label", "lbl=" + marker2, "busybox", "sh", "-c", $"test \"$SECRET\" = {marker2}");
        Assert.Contains(marker2, await host.OkAsync("inspect", "-f", "{{.Config.Env}}", "envbox"));
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, marker2));

        // 5. Restart moatd: everything works.
        await host.StopAsync();
        await host.StartAsync();
        Assert.Contains(marker2, await host.OkAsync("inspect", "-f", "{{.Config.Env}} {{.Config.Labels}}", "envbox"));
        await host.OkAsync("start", "-a", "envbox");
        await host.OkAsync("run", "--rm", "-v", "vault:/data", "busybox", "sh", "-c", $"test \"$(cat /data/marker)\" = {marker}");
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, marker2));

        // 6. Without the master key: encrypted volumes and sealed containers refuse with a clear error, plain volumes work, nothing is lost.
        await host.StopAsync();
        string wrappedKey = Path.Combine(backing, "volume-key.sealed");
        byte[] wrappedBefore = File.ReadAllBytes(wrappedKey);
        File.Move(host.KeyFile, host.KeyFile + ".away");
        await host.StartAsync();
        var refused = await host.Daemon!.DockerAsync("run", "--rm", "-v", "vault:/data", "busybox", "cat", "/data/marker");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("cannot unlock encrypted volume \"vault\": moatd has no master key", refused.Stderr);
        var sealedStart = await host.Daemon.DockerAsync("start", "envbox");
        Assert.NotEqual(0, sealedStart.ExitCode);
        Assert.Contains("its configuration is encrypted: moatd has no master key", sealedStart.Stderr);
        Assert.Equal("plain-ok", await host.OkAsync("run", "--rm", "-v", "plainvol:/p", "busybox", "cat", "/p/f"));
        Assert.Contains("vault", await host.OkAsync("volume", "ls", "-q"));
        Assert.Contains("envbox", await host.OkAsync("ps", "-a", "--format", "{{.Names}}"));
        Assert.Equal(wrappedBefore, File.ReadAllBytes(wrappedKey));
        Assert.Contains("encryption at rest: the master key file", await host.OkAsync("info", "-f", "{{json .Warnings}}"));

        // 7. Key back: readable again.
        await host.StopAsync();
        File.Move(host.KeyFile + ".away", host.KeyFile);
        await host.StartAsync();
        await host.OkAsync("run", "--rm", "-v", "vault:/data", "busybox", "sh", "-c", $"test \"$(cat /data/marker)\" = {marker}");
        Assert.Contains(marker2, await host.OkAsync("inspect", "-f", "{{.Config.Env}}", "envbox"));

        // 8. moat key rotate: refused while moatd runs; afterwards a new key, everything still readable.
        var whileRunning = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["key", "rotate", "--data-root", host.DataRoot, "--key-file", host.KeyFile]);
        Assert.Equal(1, whileRunning.ExitCode);
        Assert.Contains("moatd is running", whileRunning.Stderr);
        await host.StopAsync();
        var rotated = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["key", "rotate", "--data-root", host.DataRoot, "--key-file", host.KeyFile]);
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        Assert.Contains("re-sealed", rotated.Stdout);
        Assert.NotEqual(keyHex, File.ReadAllText(host.KeyFile).Trim());
        Assert.NotEqual(wrappedBefore, File.ReadAllBytes(wrappedKey));
        await host.StartAsync();
        await host.OkAsync("run", "--rm", "-v", "vault:/data", "busybox", "sh", "-c", $"test \"$(cat /data/marker)\" = {marker}");
        Assert.Contains(marker2, await host.OkAsync("inspect", "-f", "{{.Config.Env}}", "envbox"));

        // 9. docker volume rm: the wrapped key and gocryptfs.conf are destroyed; nothing under the data-root holds them any more.
        byte[] wrappedNow = File.ReadAllBytes(wrappedKey);
        string encryptedKey;
        using (var conf = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(backing, "crypt", "gocryptfs.conf"))))
            encryptedKey = conf.RootElement.GetProperty("EncryptedKey").GetString()!;
        await host.OkAsync("volume", "rm", "vault");
        Assert.False(Directory.Exists(backing));
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, wrappedNow[^32..]));
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, encryptedKey));
        var gone = await host.Daemon!.DockerAsync("run", "--rm", "-v", "vault:/data", "busybox", "sh", "-c", "test ! -e /data/marker");
        Assert.True(gone.ExitCode == 0, gone.ToString()); // -v recreated an empty local volume: the old data is gone
    }

    [Fact]
    public async Task PlainState_FirstStartWithKey_IsSealed()
    {
        await using var host = new EncryptedHost("moat-migrate");
        string marker = "moat-plain-env-" + Guid.NewGuid().ToString("N");
        await host.StartAsync("{}");
        await BusyboxImage.ImportAsync(host.Daemon!);
        await host.OkAsync("create", "--name", "legacy", "-e", "TOKEN=" + marker, "busybox", "sh", "-c", $"test \"$TOKEN\" = {marker}");
        await host.OkAsync("start", "-a", "legacy");
        Assert.NotEmpty(EncryptedHost.FilesContaining(host.DataRoot, marker)); // without a key: dockerd's plain state

        await host.StopAsync();
        await host.InitKeyAsync();
        await host.StartAsync();

        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, marker));
        Assert.Contains("TOKEN=" + marker, await host.OkAsync("inspect", "-f", "{{.Config.Env}}", "legacy"));
        await host.OkAsync("start", "-a", "legacy");
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, marker));
    }

    [Fact]
    public async Task Luks_OnThisKernel_ClearError()
    {
        await using var host = new EncryptedHost("moat-luks");
        await host.InitKeyAsync();
        await host.StartAsync();
        var r = await host.Daemon!.DockerAsync("volume", "create", "--driver", "crypt", "--opt", "backend=luks", "lk");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the luks backend needs dm-crypt, but this kernel has no device-mapper", r.Stderr);
        Assert.DoesNotContain("lk", await host.OkAsync("volume", "ls", "-q"));
    }

    [Fact]
    public async Task DefaultVolumeDriverCrypt_NamedVolumesFromRunAreEncrypted()
    {
        await using var host = new EncryptedHost("moat-defcrypt", ", \"default-volume-driver\": \"crypt\"");
        await host.InitKeyAsync();
        await host.StartAsync();
        await BusyboxImage.ImportAsync(host.Daemon!);
        string marker = "moat-auto-" + Guid.NewGuid().ToString("N");
        await host.OkAsync("run", "--rm", "-v", "auto:/data", "busybox", "sh", "-c", $"echo {marker} > /data/m");
        Assert.Equal("crypt", await host.OkAsync("volume", "inspect", "-f", "{{.Driver}}", "auto"));
        Assert.Empty(EncryptedHost.FilesContaining(host.DataRoot, marker));
        await host.OkAsync("run", "--rm", "-v", "auto:/data", "busybox", "sh", "-c", $"test \"$(cat /data/m)\" = {marker}");
    }

    [Fact]
    public async Task RunVolumeDriverFlag_CreatesEncryptedVolume()
    {
        await using var host = new EncryptedHost("moat-voldriver");
        await host.InitKeyAsync();
        await host.StartAsync();
        await BusyboxImage.ImportAsync(host.Daemon!);
        await host.OkAsync("run", "--rm", "--volume-driver", "crypt", "-v", "flagged:/data", "busybox", "sh", "-c", "echo x > /data/f");
        Assert.Equal("crypt gocryptfs", await host.OkAsync("volume", "inspect", "-f", "{{.Driver}} {{.Options.backend}}", "flagged"));
        await host.OkAsync("run", "--rm", "-v", "plainv:/data", "busybox", "true");
        Assert.Equal("local", await host.OkAsync("volume", "inspect", "-f", "{{.Driver}}", "plainv"));
    }

    [Fact]
    public async Task KeyFileReadableByOthers_MoatdRefusesToStart()
    {
        await using var host = new EncryptedHost("moat-badkey");
        await host.InitKeyAsync();
        File.SetUnixFileMode(host.KeyFile, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var daemon = MoatDaemon.Launch(host.Dir, host.Config, null);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, code);
        Assert.Contains($"master key file {host.KeyFile} has mode 0444: it must not be accessible by group or others (chmod 0400", daemon.Output);

        var again = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["key", "init", "--file", host.KeyFile]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("refusing to overwrite a master key", again.Stderr);
    }

    [Fact]
    public async Task LiveRestore_KillDaemon_RunningContainerKeepsItsVolume_StaleMountIsLocked()
    {
        await using var host = new EncryptedHost("moat-atrest-live", ", \"live-restore\": true");
        await host.InitKeyAsync();
        await host.StartAsync();
        await BusyboxImage.ImportAsync(host.Daemon!);
        await host.OkAsync("volume", "create", "--driver", "crypt", "kept");
        await host.OkAsync("volume", "create", "--driver", "crypt", "released");
        await host.OkAsync("run", "-d", "--name", "runner", "-v", "kept:/data", "busybox", "sh", "-c",
            "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo $i > /data/count; sleep 0.1; done");
        await host.OkAsync("run", "-d", "--name", "short", "-v", "released:/data", "busybox", "sh", "-c", "echo short > /data/f; sleep 2");
        Assert.Equal(2, host.MountsBelow("exec/moat-volumes").Count);

        host.Daemon!.KillHard();
        await Task.Delay(3000, Ct); // "short" exits while moatd is down; its volume stays mounted until moatd is back
        await host.StartAsync();

        Assert.Equal("running", await host.OkAsync("inspect", "-f", "{{.State.Status}}", "runner"));
        var mounts = host.MountsBelow("exec/moat-volumes");
        Assert.Single(mounts);
        Assert.EndsWith("/kept", mounts[0]);
        // The running container still writes through its (adopted) volume.
        string first = File.ReadAllText(Path.Combine(mounts[0], "count")).Trim();
        await Task.Delay(500, Ct);
        Assert.NotEqual(first, File.ReadAllText(Path.Combine(mounts[0], "count")).Trim());

        await host.OkAsync("stop", "runner");
        Assert.Empty(host.MountsBelow("exec/moat-volumes"));
        await host.OkAsync("run", "--rm", "-v", "released:/data", "busybox", "sh", "-c", "test \"$(cat /data/f)\" = short");
        await host.OkAsync("rm", "runner", "short");
    }
}
