namespace Moat.Engine.Errors;

/// <summary>What went wrong, from the caller's point of view; the API maps each to one HTTP status.</summary>
public enum ErrorCategory
{
    NotFound,
    InvalidArgument,
    Conflict,
    Unauthenticated,
    Forbidden,
    NotModified,
    Unavailable,
    Unsupported,
}

/// <summary>
/// Root of every error Moat reports to a client. The message is shown to the user verbatim
/// (the docker CLI prints "Error response from daemon: &lt;message&gt;"), so it must never carry secrets.
/// </summary>
public abstract class MoatException : Exception
{
    protected MoatException(string message, Exception? innerException = null) : base(message, innerException) { }

    public abstract ErrorCategory Category { get; }
}

public class NotFoundException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.NotFound;
}

public class InvalidArgumentException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.InvalidArgument;
}

public class ConflictException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.Conflict;
}

public class UnauthenticatedException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.Unauthenticated;
}

public class ForbiddenException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.Forbidden;
}

/// <summary>The request asked for a state the object is already in (e.g. starting a running container): 304, no body.</summary>
public class NotModifiedException(string message = "", Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.NotModified;
}

public class UnavailableException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.Unavailable;
}

public class UnsupportedException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.Unsupported;
}
