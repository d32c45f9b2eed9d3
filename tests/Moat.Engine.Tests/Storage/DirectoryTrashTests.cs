using Moat.Engine.Storage;

namespace Moat.Engine.Tests.Storage;

public sealed class DirectoryTrashTests
{
    [Fact]
    public async Task Discard_RemovesAtOnce_DeletesInTheBackground()
    {
        string root = Path.Combine(Path.GetTempPath(), "trash-" + Guid.NewGuid().ToString("N"));
        try
        {
            string victim = Path.Combine(root, "c1");
            Directory.CreateDirectory(Path.Combine(victim, "a", "b"));
            File.WriteAllText(Path.Combine(victim, "a", "b", "f"), "x");
            var trash = new DirectoryTrash(root);
            trash.Discard(victim);
            Assert.False(Directory.Exists(victim));
            for (int i = 0; i < 100 && (trash.Pending > 0 || Directory.EnumerateFileSystemEntries(Path.Combine(root, ".trash")).Any()); i++)
                await Task.Delay(20, TestContext.Current.CancellationToken);
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, ".trash")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task New_DeletesWhatACrashLeftInTheTrash()
    {
        string root = Path.Combine(Path.GetTempPath(), "trash-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(root, ".trash", "old.123", "x"));
            var trash = new DirectoryTrash(root);
            for (int i = 0; i < 100 && trash.Pending > 0; i++) await Task.Delay(20, TestContext.Current.CancellationToken);
            Assert.False(Directory.Exists(Path.Combine(root, ".trash", "old.123")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
