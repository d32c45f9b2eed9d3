using System.IO.Compression;
using System.Text;

namespace Moat.Engine.Tests.Storage;

/// <summary>
/// Writes tar archives byte by byte, hostile ones included (names with "..", absolute paths, links
/// anywhere, binary PAX xattrs): no library in between that could clean them up.
/// </summary>
public sealed class TarBuilder
{
    private readonly MemoryStream _out = new();
    public static readonly DateTimeOffset DefaultTime = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public TarBuilder Dir(string name, int mode = 0x1ed, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Entry(name, '5', [], mode, uid, gid, mtime);

    public TarBuilder File(string name, string content, int mode = 0x1a4, int uid = 0, int gid = 0, DateTimeOffset? mtime = null, Dictionary<string, byte[]>? xattrs = null) =>
        File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid, mtime, xattrs);

    public TarBuilder File(string name, byte[] content, int mode = 0x1a4, int uid = 0, int gid = 0, DateTimeOffset? mtime = null, Dictionary<string, byte[]>? xattrs = null) =>
        Entry(name, '0', content, mode, uid, gid, mtime, xattrs: xattrs);

    public TarBuilder Symlink(string name, string target) => Entry(name, '2', [], 0x1ff, 0, 0, null, link: target);

    public TarBuilder HardLink(string name, string target) => Entry(name, '1', [], 0x1a4, 0, 0, null, link: target);

    public TarBuilder CharDevice(string name, int major, int minor) => Entry(name, '3', [], 0x1b6, 0, 0, null, major: major, minor: minor);

    public TarBuilder Fifo(string name) => Entry(name, '6', [], 0x1a4, 0, 0, null);

    public TarBuilder Entry(string name, char type, byte[] data, int mode, int uid, int gid, DateTimeOffset? mtime,
        string link = "", int major = 0, int minor = 0, Dictionary<string, byte[]>? xattrs = null)
    {
        var pax = new List<(string, byte[])>();
        if (Encoding.UTF8.GetByteCount(name) > 99) pax.Add(("path", Encoding.UTF8.GetBytes(name)));
        if (Encoding.UTF8.GetByteCount(link) > 99) pax.Add(("linkpath", Encoding.UTF8.GetBytes(link)));
        foreach (var (k, v) in xattrs ?? []) pax.Add(("SCHILY.xattr." + k, v));
        if (pax.Count > 0)
        {
            var records = new MemoryStream();
            foreach (var (k, v) in pax)
            {
                byte[] body = [.. Encoding.UTF8.GetBytes(" " + k + "="), .. v, (byte)'\n'];
                int len = body.Length + 1;
                while (len.ToString().Length + body.Length != len) len = len.ToString().Length + body.Length;
                records.Write(Encoding.ASCII.GetBytes(len.ToString()));
                records.Write(body);
            }
            WriteHeader("PaxHeaders/" + Truncate(name), 'x', records.Length, 0x1a4, 0, 0, DefaultTime, "", 0, 0);
            WriteData(records.ToArray());
        }
        WriteHeader(Truncate(name), type, data.Length, mode, uid, gid, mtime ?? DefaultTime, Truncate(link), major, minor);
        WriteData(data);
        return this;
    }

    private static string Truncate(string s)
    {
        while (Encoding.UTF8.GetByteCount(s) > 99) s = s[..^1];
        return s;
    }

    private void WriteHeader(string name, char type, long size, int mode, int uid, int gid, DateTimeOffset mtime, string link, int major, int minor)
    {
        var h = new byte[512];
        Encoding.UTF8.GetBytes(name).CopyTo(h, 0);
        Octal(h, 100, 8, mode);
        Octal(h, 108, 8, uid);
        Octal(h, 116, 8, gid);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, mtime.ToUnixTimeSeconds());
        h[156] = (byte)type;
        Encoding.UTF8.GetBytes(link).CopyTo(h, 157);
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        Octal(h, 329, 8, major);
        Octal(h, 337, 8, minor);
        for (int i = 148; i < 156; i++) h[i] = (byte)' ';
        long sum = 0;
        foreach (byte b in h) sum += b;
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        _out.Write(h);
    }

    private static void Octal(byte[] h, int offset, int length, long value) =>
        Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(length - 1, '0') + "\0").CopyTo(h, offset);

    private void WriteData(byte[] data)
    {
        _out.Write(data);
        int pad = (512 - data.Length % 512) % 512;
        _out.Write(new byte[pad]);
    }

    /// <summary>The archive with its two end-of-archive blocks.</summary>
    public byte[] Build()
    {
        var copy = new MemoryStream();
        copy.Write(_out.ToArray());
        copy.Write(new byte[1024]);
        return copy.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
