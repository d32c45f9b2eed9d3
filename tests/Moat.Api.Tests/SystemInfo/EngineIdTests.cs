using Moat.Api.SystemInfo;

namespace Moat.Api.Tests.SystemInfo;

public sealed class EngineIdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-engineid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadOrCreate_CreatesUuidFileOnce_ThenReturnsTheSame()
    {
        string root = Path.Combine(_dir, "data");

        string first = EngineId.LoadOrCreate(root);
        string second = EngineId.LoadOrCreate(root);

        Assert.True(Guid.TryParse(first, out _));
        Assert.Equal(first, second);
        Assert.Equal(first, File.ReadAllText(Path.Combine(root, "engine-id")));
        // The ID and the creators' lock file; no temp file is left behind.
        Assert.Equal([".engine-id.lock", "engine-id"], Directory.GetFiles(root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task LoadOrCreate_Concurrent_AllAgree()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => EngineId.LoadOrCreate(_dir))));

        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], File.ReadAllText(Path.Combine(_dir, "engine-id")));
    }

    [Fact]
    public void LoadOrCreate_CorruptFile_IsReplaced()
    {
        File.WriteAllText(Path.Combine(_dir, "engine-id"), "garbage");

        string id = EngineId.LoadOrCreate(_dir);

        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal(id, File.ReadAllText(Path.Combine(_dir, "engine-id")));
    }

    [Fact]
    public void LoadOrCreate_ExistingId_Kept()
    {
        const string existing = "5a7b1c3d-1111-4222-8333-944455566677";
        File.WriteAllText(Path.Combine(_dir, "engine-id"), existing + "\n");

        Assert.Equal(existing, EngineId.LoadOrCreate(_dir));
    }
}
