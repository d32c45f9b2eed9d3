using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>A failed system call, keeping errno so callers can map it (ENOENT → not found…).</summary>
public sealed class LinuxException(string message, int errno) : IOException(message)
{
    public int Errno { get; } = errno;

    public static LinuxException FromErrno(string call, string? subject = null)
    {
        int errno = Marshal.GetLastPInvokeError();
        string text = Marshal.GetPInvokeErrorMessage(errno);
        return new LinuxException(subject is null ? $"{call}: {text}" : $"{call} {subject}: {text}", errno);
    }
}
