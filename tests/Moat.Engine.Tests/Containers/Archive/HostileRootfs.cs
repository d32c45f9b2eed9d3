namespace Moat.Engine.Tests.Containers.Archive;

/// <summary>
/// A temp "container": rootfs/ with hostile symlinks, a volume source dir and a host dir outside both that holds a
/// marker file (what an escape would read) and must stay unchanged (what an escape would write).
/// </summary>
public sealed class HostileRootfs : IDisposable
{
    public HostileRootfs()
    {
        Base = Directory.CreateTempSubdirectory("moat-cp-").FullName;
        Rootfs = Path.Combine(Base, "rootfs");
        Volume = Path.Combine(Base, "volume", "_data");
        Host = Path.Combine(Base, "host");
        Directory.CreateDirectory(Path.Combine(Rootfs, "etc"));
        Directory.CreateDirectory(Path.Combine(Rootfs, "data"));
        Directory.CreateDirectory(Path.Combine(Rootfs, "ro"));
        Directory.CreateDirectory(Volume);
        Directory.CreateDirectory(Path.Combine(Base, "robind"));
        Directory.CreateDirectory(Host);
        File.WriteAllText(Path.Combine(Rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345::/:/bin/sh\n");
        File.WriteAllText(Path.Combine(Rootfs, "etc", "group"), "root:x:0:\napp:x:2345:\n");
        File.WriteAllText(Path.Combine(Rootfs, "etc", "in-container"), "container file\n");
        File.WriteAllText(Path.Combine(Volume, "in-volume"), "volume file\n");
        File.WriteAllText(Path.Combine(Host, "host-secret"), "HOST SECRET\n");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "root-link"), "/");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "up-link"), "../../../../etc");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "host-link"), Host);                 // absolute host path
        File.CreateSymbolicLink(Path.Combine(Rootfs, "host-rel"), "../host");              // rootfs/../host on the host
        File.CreateSymbolicLink(Path.Combine(Rootfs, "loop-a"), "loop-b");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "loop-b"), "loop-a");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "dangling"), "/nowhere/file");
        File.CreateSymbolicLink(Path.Combine(Volume, "vol-up"), "../../../host");          // inside the volume
        File.CreateSymbolicLink(Path.Combine(Volume, "vol-etc"), "/etc");
    }

    public string Base { get; }
    public string Rootfs { get; }
    public string Volume { get; }
    public string Host { get; }
    public string ReadOnlyBind => Path.Combine(Base, "robind");

    public Moat.Engine.Containers.Archive.ContainerFileSystem Open(bool readonlyRootfs = false) =>
        new(Rootfs,
        [
            new("/data", Volume, ReadOnly: false, "volume"),
            new("/ro", ReadOnlyBind, ReadOnly: true, "bind"),
            new("/tmpfs", "", ReadOnly: false, "tmpfs"),
        ], readonlyRootfs);

    /// <summary>The host dir is exactly as created: only the marker, unchanged.</summary>
    public void AssertHostUntouched()
    {
        Assert.Equal(["host-secret"], Directory.EnumerateFileSystemEntries(Host).Select(Path.GetFileName));
        Assert.Equal("HOST SECRET\n", File.ReadAllText(Path.Combine(Host, "host-secret")));
        Assert.Equal(["_data"], Directory.EnumerateFileSystemEntries(Path.Combine(Base, "volume")).Select(Path.GetFileName));
    }

    public void Dispose() => Directory.Delete(Base, recursive: true);
}
