namespace Moat.Compat.Tests.Infrastructure;

/// <summary>A directory under /tmp removed on dispose (unmounting nothing: tests that mount clean up themselves).</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix)
    {
        Path = Directory.CreateTempSubdirectory($"{prefix}-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
