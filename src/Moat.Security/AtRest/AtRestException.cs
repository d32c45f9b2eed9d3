namespace Moat.Security.AtRest;

/// <summary>
/// Encryption at rest failed in a way the operator must fix: no master key, a key file others can read, a sealed
/// file written under another key, or a sealed file that was altered. The message says which and never contains key material.
/// </summary>
public sealed class AtRestException(string message, Exception? inner = null) : Exception(message, inner);
