using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

/// <summary>Signal names and numbers as the docker CLI and dockerd spell them (Linux x86-64/arm64 numbering).</summary>
public static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    private static readonly Dictionary<string, int> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21,
        ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28,
        ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31,
    };

    /// <summary>Parses "SIGTERM", "TERM", "15" or "RTMIN+3"; throws dockerd's "Invalid signal: x".</summary>
    public static int Parse(string text)
    {
        if (int.TryParse(text, out int n))
        {
            if (n <= 0 || n > 64) throw new InvalidArgumentException($"Invalid signal: {text}");
            return n;
        }
        string name = text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (Names.TryGetValue(name, out n)) return n;
        if (name.StartsWith("RTMIN+", StringComparison.OrdinalIgnoreCase) && int.TryParse(name[6..], out int k) && k is >= 0 and <= 30) return 34 + k;
        if (name.Equals("RTMIN", StringComparison.OrdinalIgnoreCase)) return 34;
        if (name.Equals("RTMAX", StringComparison.OrdinalIgnoreCase)) return 64;
        throw new InvalidArgumentException($"Invalid signal: {text}");
    }
}
