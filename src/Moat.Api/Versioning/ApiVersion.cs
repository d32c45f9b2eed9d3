namespace Moat.Api.Versioning;

/// <summary>An Engine API version such as 1.50; compared numerically, as dockerd does (1.9 &lt; 1.24).</summary>
public readonly record struct ApiVersion(int Major, int Minor) : IComparable<ApiVersion>
{
    public static readonly ApiVersion Min = new(1, 24);
    public static readonly ApiVersion Max = new(1, 51);
    public static readonly ApiVersion Default = Max;

    public int CompareTo(ApiVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ApiVersion a, ApiVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ApiVersion a, ApiVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ApiVersion a, ApiVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ApiVersion a, ApiVersion b) => a.CompareTo(b) >= 0;

    public static bool TryParse(ReadOnlySpan<char> text, out ApiVersion version)
    {
        version = default;
        int dot = text.IndexOf('.');
        if (dot <= 0 || dot == text.Length - 1) return false;
        if (!int.TryParse(text[..dot], System.Globalization.NumberStyles.None, null, out int major)) return false;
        var rest = text[(dot + 1)..];
        if (rest.IndexOf('.') >= 0 || !int.TryParse(rest, System.Globalization.NumberStyles.None, null, out int minor)) return false;
        version = new ApiVersion(major, minor);
        return true;
    }

    public override string ToString() => $"{Major}.{Minor}";
}
