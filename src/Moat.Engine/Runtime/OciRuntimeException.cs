using Moat.Engine.Errors;

namespace Moat.Engine.Runtime;

/// <summary>The runtime said the container does not exist.</summary>
public sealed class RuntimeContainerNotFoundException(string message) : NotFoundException(message);

/// <summary>The runtime refused because of the container's state (already exists, not running, not stopped, paused...).</summary>
public sealed class RuntimeStateException(string message) : ConflictException(message);

/// <summary>Any other runtime failure; the message is the runtime's stderr. Reported as 500 with the text kept.</summary>
public sealed class OciRuntimeException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
