using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>kill(2), used to probe whether a pid is alive (signal 0).</summary>
public static partial class Signals
{
    public const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int kill_native(int pid, int sig);

    /// <summary>True when the signal was delivered (or, for 0, the process exists).</summary>
    public static bool kill(int pid, int sig)
    {
        if (kill_native(pid, sig) == 0) return true;
        return Marshal.GetLastPInvokeError() != ESRCH;
    }
}
