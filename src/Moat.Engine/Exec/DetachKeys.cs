namespace Moat.Engine.Exec;

/// <summary>
/// Detach key sequences as Docker writes them ("ctrl-p,ctrl-q", "a,ctrl-@", "DEL"): moby/term's ToBytes rules —
/// comma-separated keys, each a single character, "ctrl-@" … "ctrl-_" (lower-case letters) or "DEL".
/// </summary>
public static class DetachKeys
{
    /// <summary>Docker's default, Ctrl-P Ctrl-Q.</summary>
    public static readonly byte[] Default = [0x10, 0x11];

    private static readonly string[] Controls =
    [
        "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d", "ctrl-e", "ctrl-f", "ctrl-g", "ctrl-h", "ctrl-i", "ctrl-j",
        "ctrl-k", "ctrl-l", "ctrl-m", "ctrl-n", "ctrl-o", "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t", "ctrl-u",
        "ctrl-v", "ctrl-w", "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_",
    ];

    /// <summary>The bytes of <paramref name="spec"/>; false when a key is unknown (an empty key, as in Go, is one too).</summary>
    public static bool TryParse(string spec, out byte[] keys)
    {
        var codes = new List<byte>();
        keys = [];
        foreach (var key in spec.Split(','))
        {
            // Go's len() counts bytes: one byte is taken literally.
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(key);
            if (utf8.Length == 1) { codes.Add(utf8[0]); continue; }
            int code = Array.IndexOf(Controls, key);
            if (code >= 0) codes.Add((byte)code);
            else if (key == "DEL") codes.Add(127);
            else return false;
        }
        keys = [.. codes];
        return true;
    }
}
