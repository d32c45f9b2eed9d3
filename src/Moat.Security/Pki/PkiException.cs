namespace Moat.Security.Pki;

/// <summary>A PKI operation that cannot be done as asked (missing CA, unknown name, bad CRL); the message is for the person.</summary>
public sealed class PkiException : Exception
{
    public PkiException(string message) : base(message) { }
    public PkiException(string message, Exception inner) : base(message, inner) { }
}
