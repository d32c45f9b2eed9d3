using System.Buffers;
using System.Text;

namespace Moat.Engine.Storage;

/// <summary>
/// A forward-only tar reader (ustar, GNU long names, PAX) written for layer extraction: it keeps PAX
/// values as bytes (binary xattrs survive), verifies header checksums, and bounds every header it
/// buffers. Entry names are returned exactly as written; deciding whether they are safe is the
/// extractor's job.
/// </summary>
public sealed class TarStreamReader
{
    private const int Block = 512;
    private const int MaxMetaBytes = 1024 * 1024;
    private const int MaxNameBytes = 64 * 1024;

    private readonly Stream _source;
    private readonly byte[] _header = new byte[Block];
    private long _remaining;
    private long _padding;
    private bool _ended;
    private Dictionary<string, byte[]> _global = new(StringComparer.Ordinal);

    public TarStreamReader(Stream source)
    {
        _source = source;
    }

    /// <summary>Bytes left unread in the current entry.</summary>
    public long Remaining => _remaining;

    /// <summary>Next entry, or null at the end of the archive.</summary>
    public async ValueTask<TarHeader?> NextAsync(CancellationToken cancellationToken)
    {
        if (_ended) return null;
        await SkipAsync(_remaining + _padding, cancellationToken);
        _remaining = _padding = 0;

        string? longName = null, longLink = null;
        Dictionary<string, byte[]>? pax = null;
        while (true)
        {
            if (!await ReadBlockAsync(_header, cancellationToken))
            {
                _ended = true;
                return null; // EOF without the end-of-archive blocks: accepted, as Go's archive/tar does
            }
            if (IsZero(_header))
            {
                // End of archive (first of two zero blocks); the caller drains the rest.
                _ended = true;
                return null;
            }
            VerifyChecksum(_header);
            byte type = _header[156];
            long size = ParseNumber(_header.AsSpan(124, 12), "size");
            if (size < 0) throw Invalid("negative entry size");
            switch (type)
            {
                case (byte)'x':
                    pax = ParsePax(await ReadMetaAsync(size, cancellationToken));
                    continue;
                case (byte)'g':
                    _global = ParsePax(await ReadMetaAsync(size, cancellationToken));
                    continue;
                case (byte)'L':
                    longName = CString(await ReadMetaAsync(size, cancellationToken, MaxNameBytes));
                    continue;
                case (byte)'K':
                    longLink = CString(await ReadMetaAsync(size, cancellationToken, MaxNameBytes));
                    continue;
            }

            var kind = type switch
            {
                (byte)'0' or 0 or (byte)'7' => TarEntryKind.File,
                (byte)'1' => TarEntryKind.HardLink,
                (byte)'2' => TarEntryKind.Symlink,
                (byte)'3' => TarEntryKind.CharDevice,
                (byte)'4' => TarEntryKind.BlockDevice,
                (byte)'5' => TarEntryKind.Directory,
                (byte)'6' => TarEntryKind.Fifo,
                _ => throw Invalid($"unsupported tar entry type '{(char)type}'"),
            };

            string name = longName ?? HeaderName(_header);
            string link = longLink ?? CString(_header.AsSpan(157, 100));
            var records = new Dictionary<string, byte[]>(_global, StringComparer.Ordinal);
            if (pax is not null) foreach (var (k, v) in pax) records[k] = v;

            int uid = (int)ParseNumber(_header.AsSpan(108, 8), "uid");
            int gid = (int)ParseNumber(_header.AsSpan(116, 8), "gid");
            var mtime = DateTimeOffset.FromUnixTimeSeconds(ParseNumber(_header.AsSpan(136, 12), "mtime"));
            DateTimeOffset? atime = null;
            var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (key, value) in records)
            {
                switch (key)
                {
                    case "path": name = Encoding.UTF8.GetString(value); break;
                    case "linkpath": link = Encoding.UTF8.GetString(value); break;
                    case "size": size = ParseDecimal(value, key); break;
                    case "uid": uid = (int)ParseDecimal(value, key); break;
                    case "gid": gid = (int)ParseDecimal(value, key); break;
                    case "mtime": mtime = ParseTime(value); break;
                    case "atime": atime = ParseTime(value); break;
                    default:
                        if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal)) xattrs[key["SCHILY.xattr.".Length..]] = value;
                        else if (key.StartsWith("GNU.sparse.", StringComparison.Ordinal)) throw Invalid("sparse tar entries are not supported");
                        break;
                }
            }
            if (name.Length == 0) throw Invalid("tar entry with an empty name");
            if (name.Contains('\0') || link.Contains('\0')) throw Invalid("tar entry name contains a NUL byte");

            // As Go's archive/tar: links, directories, devices and fifos carry no data whatever their size field says.
            bool hasData = kind == TarEntryKind.File;
            _remaining = hasData ? size : 0;
            _padding = hasData ? (Block - size % Block) % Block : 0;

            return new TarHeader
            {
                Name = name,
                Kind = kind,
                LinkName = link,
                Mode = (int)ParseNumber(_header.AsSpan(100, 8), "mode") & 0xfff,
                Uid = uid,
                Gid = gid,
                Size = hasData ? size : 0,
                ModTime = mtime,
                AccessTime = atime,
                DevMajor = (uint)ParseNumber(_header.AsSpan(329, 8), "devmajor"),
                DevMinor = (uint)ParseNumber(_header.AsSpan(337, 8), "devminor"),
                Xattrs = xattrs,
            };
        }
    }

    /// <summary>Reads data of the current entry; 0 at its end.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_remaining == 0) return 0;
        if (buffer.Length > _remaining) buffer = buffer[..(int)_remaining];
        int n = await _source.ReadAsync(buffer, cancellationToken);
        if (n == 0) throw Invalid("unexpected end of tar data");
        _remaining -= n;
        return n;
    }

    private async ValueTask<bool> ReadBlockAsync(byte[] block, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < Block)
        {
            int n = await _source.ReadAsync(block.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                if (read == 0) return false;
                throw Invalid("unexpected end of tar header");
            }
            read += n;
        }
        return true;
    }

    private async ValueTask<byte[]> ReadMetaAsync(long size, CancellationToken cancellationToken, int limit = MaxMetaBytes)
    {
        if (size > limit) throw Invalid($"tar metadata entry of {size} bytes is over the limit of {limit}");
        var data = new byte[size];
        await ReadExactAsync(data, cancellationToken);
        await SkipAsync((Block - size % Block) % Block, cancellationToken);
        return data;
    }

    private async ValueTask ReadExactAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await _source.ReadAsync(buffer[read..], cancellationToken);
            if (n == 0) throw Invalid("unexpected end of tar data");
            read += n;
        }
    }

    private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        if (count <= 0) return;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (count > 0)
            {
                int n = await _source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
                if (n == 0) throw Invalid("unexpected end of tar data");
                count -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string HeaderName(byte[] h)
    {
        string name = CString(h.AsSpan(0, 100));
        bool ustar = h.AsSpan(257, 6).SequenceEqual("ustar\0"u8);
        if (ustar)
        {
            string prefix = CString(h.AsSpan(345, 155));
            if (prefix.Length > 0) name = prefix + "/" + name;
        }
        return name;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        if (nul >= 0) field = field[..nul];
        return Encoding.UTF8.GetString(field);
    }

    private static bool IsZero(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    private static void VerifyChecksum(byte[] h)
    {
        long expected = ParseNumber(h.AsSpan(148, 8), "checksum");
        long unsigned = 0, signed = 0;
        for (int i = 0; i < Block; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : h[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        if (expected != unsigned && expected != signed) throw Invalid("tar header checksum mismatch (not a tar archive?)");
    }

    /// <summary>Octal ASCII (NUL/space padded) or GNU base-256 (high bit set).</summary>
    internal static long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0) throw Invalid($"negative {what} in tar header");
            long value = field[0] & 0x3f;
            for (int i = 1; i < field.Length; i++)
            {
                if (value > (long.MaxValue >> 8)) throw Invalid($"{what} in tar header is too large");
                value = (value << 8) | field[i];
            }
            return value;
        }
        long result = 0;
        bool digits = false;
        foreach (byte b in field)
        {
            if (b is 0 or (byte)' ')
            {
                if (digits) break;
                continue;
            }
            if (b is < (byte)'0' or > (byte)'7') throw Invalid($"invalid {what} in tar header");
            if (result > (long.MaxValue >> 3)) throw Invalid($"{what} in tar header is too large");
            result = result * 8 + (b - '0');
            digits = true;
        }
        return result;
    }

    private static long ParseDecimal(byte[] value, string key)
    {
        if (!long.TryParse(Encoding.ASCII.GetString(value), System.Globalization.NumberStyles.None, null, out long v))
            throw Invalid($"invalid PAX {key} record");
        return v;
    }

    private static DateTimeOffset ParseTime(byte[] value)
    {
        string s = Encoding.ASCII.GetString(value);
        int dot = s.IndexOf('.');
        string secs = dot < 0 ? s : s[..dot];
        if (!long.TryParse(secs, System.Globalization.NumberStyles.AllowLeadingSign, null, out long seconds) || Math.Abs(seconds) > 253402300799L)
            throw Invalid("invalid PAX time record");
        long ticks = 0;
        if (dot >= 0)
        {
            string frac = (s[(dot + 1)..] + "0000000")[..7];
            if (!long.TryParse(frac, System.Globalization.NumberStyles.None, null, out ticks)) throw Invalid("invalid PAX time record");
        }
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(seconds < 0 ? -ticks : ticks);
    }

    /// <summary>PAX records: "&lt;len&gt; &lt;key&gt;=&lt;value&gt;\n", values kept as bytes.</summary>
    private static Dictionary<string, byte[]> ParsePax(byte[] data)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int pos = 0;
        while (pos < data.Length)
        {
            if (data[pos] == 0) break;
            int space = Array.IndexOf(data, (byte)' ', pos);
            if (space < 0) throw Invalid("malformed PAX record");
            if (!int.TryParse(data.AsSpan(pos, space - pos), System.Globalization.NumberStyles.None, null, out int length) || length <= 0 || pos + length > data.Length || data[pos + length - 1] != '\n')
                throw Invalid("malformed PAX record");
            var record = data.AsSpan(space + 1, pos + length - space - 2);
            int eq = record.IndexOf((byte)'=');
            if (eq <= 0) throw Invalid("malformed PAX record");
            records[Encoding.UTF8.GetString(record[..eq])] = record[(eq + 1)..].ToArray();
            pos += length;
        }
        return records;
    }

    private static InvalidLayerException Invalid(string message) => new(message);
}

/// <summary>A layer or archive that cannot be accepted; the message says why.</summary>
public sealed class InvalidLayerException(string message, Exception? inner = null) : Moat.Engine.Errors.InvalidArgumentException(message, inner);
