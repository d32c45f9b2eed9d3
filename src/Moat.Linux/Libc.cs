using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>libc calls the BCL does not offer, named as in C. Failures surface as <see cref="LinuxException"/> with errno.</summary>
public static partial class Libc
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public const int ESRCH = 3;
    public const int EPERM = 1;

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask_(uint mask);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown_(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int kill_(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "getgid")]
    private static partial uint getgid_();

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint getuid_();

    /// <summary>Sets the process umask and returns the previous one. Process-wide: callers serialize around it.</summary>
    public static uint umask(uint mask) => umask_(mask);

    public static void chown(string path, uint owner, uint group)
    {
        if (chown_(path, owner, group) != 0) throw LinuxException.FromErrno("chown", path);
    }

    /// <summary>kill(2); returns 0 or the errno (ESRCH: no such process, EPERM: exists but not ours).</summary>
    public static int kill(int pid, int sig) => kill_(pid, sig) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static uint getgid() => getgid_();

    public static uint getuid() => getuid_();
}
