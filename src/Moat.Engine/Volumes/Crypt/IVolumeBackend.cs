namespace Moat.Engine.Volumes.Crypt;

/// <summary>
/// One way of keeping an encrypted volume (`docker volume create --driver crypt --opt backend=NAME`). The volume key
/// is a random 256-bit secret the volume service unwraps with the master key; a backend receives it only in memory
/// and hands it to its tools over stdin, never on a command line.
/// </summary>
public interface IVolumeBackend
{
    /// <summary>The --opt backend= value.</summary>
    string Name { get; }

    /// <summary>Shown in `docker volume inspect` (Options.cipher).</summary>
    string Cipher { get; }

    /// <summary>Throws <see cref="Errors.UnsupportedException"/> with the reason when this host cannot use the backend.</summary>
    void CheckAvailable();

    /// <summary>Creates the encrypted store in <paramref name="backingDir"/> (empty, under the data-root).</summary>
    void Initialize(string backingDir, ReadOnlySpan<byte> volumeKey);

    /// <summary>Unlocks: mounts the plaintext view of <paramref name="backingDir"/> at <paramref name="mountpoint"/>.</summary>
    void Mount(string backingDir, string mountpoint, ReadOnlySpan<byte> volumeKey);

    /// <summary>Locks: unmounts; the plaintext view and the key in the kernel/FUSE daemon are gone afterwards.</summary>
    void Unmount(string mountpoint);

    /// <summary>The files besides the wrapped key that hold key material (crypto-erased first by docker volume rm).</summary>
    IEnumerable<string> KeyMaterial(string backingDir);
}
