using System.Text;
using Moat.Cli.Commands;
using Moat.Security.AtRest;

namespace Moat.Cli.Tests.Commands;

public sealed class KeyCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("moat-keycmd-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(params string[] parts) => Path.Combine([_dir.FullName, .. parts]);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = KeyCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Init_WritesA0400KeyOnce()
    {
        var (code, output, _) = Run("init", "--file", PathOf("master.key"));
        Assert.Equal(0, code);
        using var key = MasterKey.LoadFile(PathOf("master.key"));
        Assert.Contains(key.Id, output);
        Assert.DoesNotContain(File.ReadAllText(PathOf("master.key")).Trim(), output);
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(PathOf("master.key")));

        var again = Run("init", "--file", PathOf("master.key"));
        Assert.Equal(1, again.Code);
        Assert.Contains("refusing to overwrite", again.Err);
    }

    [Fact]
    public void Rotate_FromDaemonJson_ResealsAndReplacesTheKey()
    {
        Run("init", "--file", PathOf("master.key"));
        string data = PathOf("data");
        using (var old = MasterKey.LoadFile(PathOf("master.key")))
        {
            Directory.CreateDirectory(Path.Combine(data, "volumes", "v"));
            SealedFile.WriteFile(old, Path.Combine(data, "volumes", "v", "volume-key.sealed"), "volume-key:v", Encoding.UTF8.GetBytes("k"));
        }
        File.WriteAllText(PathOf("daemon.json"), $$"""{"data-root": "{{data}}", "data-encryption-key-file": "{{PathOf("master.key")}}"}""");

        var (code, output, err) = Run("rotate", "--config-file", PathOf("daemon.json"));

        Assert.True(code == 0, err);
        Assert.Contains("re-sealed 1 file(s)", output);
        Assert.False(File.Exists(PathOf("master.key.new")));
        using var now = MasterKey.LoadFile(PathOf("master.key"));
        Assert.Equal("k", Encoding.UTF8.GetString(SealedFile.OpenFile(now, Path.Combine(data, "volumes", "v", "volume-key.sealed"), "volume-key:v")));
    }

    [Fact]
    public void Rotate_WhileTheDataRootIsLocked_Refused()
    {
        Run("init", "--file", PathOf("master.key"));
        using var held = StateLock.TryAcquire(PathOf("data"));
        var (code, _, err) = Run("rotate", "--data-root", PathOf("data"), "--key-file", PathOf("master.key"));
        Assert.Equal(1, code);
        Assert.Contains("moatd is running", err);
        Assert.False(File.Exists(PathOf("master.key.new")));
    }

    [Fact]
    public void Rotate_NoKeyFile_IsAUsageError()
    {
        var (code, _, err) = Run("rotate", "--config-file", PathOf("absent.json"), "--data-root", PathOf("data"));
        Assert.Equal(2, code);
        Assert.Contains("no master key file", err);
    }
}
