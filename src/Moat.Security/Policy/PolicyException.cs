namespace Moat.Security.Policy;

/// <summary>A policy file that cannot be used; the message names the file and what is wrong with it.</summary>
public sealed class PolicyException(string message, Exception? inner = null) : Exception(message, inner);
