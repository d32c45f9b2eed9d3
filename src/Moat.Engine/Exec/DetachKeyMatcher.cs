using System.Buffers;

namespace Moat.Engine.Exec;

/// <summary>
/// Finds the detach sequence in a TTY's input stream, however the client chunks it: input passes through
/// unchanged except the sequence itself; a partial match is held back until the next byte decides.
/// </summary>
public sealed class DetachKeyMatcher(byte[] keys)
{
    private int _matched;

    /// <summary>Appends to <paramref name="output"/> what goes to the container; true once the sequence is complete (the rest is dropped).</summary>
    public bool Process(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (keys.Length == 0)
        {
            output.Write(input);
            return false;
        }
        int start = 0; // input[start..i] is passed through unless a match is pending
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (b == keys[_matched])
            {
                if (_matched == 0) { output.Write(input[start..i]); }
                _matched++;
                start = i + 1;
                if (_matched == keys.Length) { _matched = 0; return true; }
                continue;
            }
            if (_matched > 0)
            {
                // Not the sequence after all: what was held goes through, and this byte may start a new match.
                output.Write(keys.AsSpan(0, _matched));
                _matched = 0;
                start = i;
                if (b == keys[0]) { _matched = 1; start = i + 1; if (keys.Length == 1) return true; }
            }
        }
        if (_matched == 0) output.Write(input[start..]);
        return false;
    }
}
