using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moat.Security.Audit;

/// <summary>
/// One line of the audit log: who asked for what, over which transport, what was decided and why.
/// Never carries request bodies, environment values, registry credentials or secret-bearing headers.
/// <see cref="Seq"/> and <see cref="Prev"/> are filled in by <see cref="AuditLog"/> when the entry is chained.
/// </summary>
public sealed class AuditEntry
{
    [JsonPropertyName("seq")] public long Seq { get; set; }
    [JsonPropertyName("time")] public string Time { get; set; } = "";
    /// <summary>"request" (an authorization decision), "event" (a state change) or "daemon" (start, rotation, recovery).</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "request";
    [JsonPropertyName("request_id")] public string? RequestId { get; set; }
    [JsonPropertyName("user")] public string? User { get; set; }
    [JsonPropertyName("groups")] public IReadOnlyList<string>? Groups { get; set; }
    /// <summary>"none", "peercred" or "tls".</summary>
    [JsonPropertyName("auth")] public string? Auth { get; set; }
    [JsonPropertyName("uid")] public int? Uid { get; set; }
    [JsonPropertyName("gid")] public int? Gid { get; set; }
    [JsonPropertyName("pid")] public int? Pid { get; set; }
    [JsonPropertyName("cert_serial")] public string? CertSerial { get; set; }
    [JsonPropertyName("cert_sha256")] public string? CertFingerprint { get; set; }
    [JsonPropertyName("transport")] public string? Transport { get; set; }
    [JsonPropertyName("remote")] public string? Remote { get; set; }
    [JsonPropertyName("method")] public string? Method { get; set; }
    [JsonPropertyName("action")] public string? Action { get; set; }
    [JsonPropertyName("object_id")] public string? ObjectId { get; set; }
    [JsonPropertyName("object_name")] public string? ObjectName { get; set; }
    /// <summary>"allow" or "deny" for requests.</summary>
    [JsonPropertyName("decision")] public string? Decision { get; set; }
    [JsonPropertyName("rule")] public string? Rule { get; set; }
    [JsonPropertyName("status")] public int? Status { get; set; }
    [JsonPropertyName("duration_ms")] public double? DurationMs { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    /// <summary>SHA-256 (hex) of the previous entry; 64 zeros for the first entry of a new log.</summary>
    [JsonPropertyName("prev")] public string Prev { get; set; } = "";

    /// <summary>
    /// The caller's fields (user … remote) encoded once per connection: when set, they are written from it and the
    /// separate properties are not used. See <see cref="AuditIdentity"/>.
    /// </summary>
    [JsonIgnore] public AuditIdentity? Identity { get; set; }
}

/// <summary>
/// A caller's identity fields as they appear in every entry of its requests ("user" … "remote"), encoded once: a
/// connection's caller is fixed, so its requests' entries repeat them verbatim.
/// </summary>
public sealed class AuditIdentity
{
    internal byte[] Fragment { get; }

    public AuditIdentity(string? user, IReadOnlyList<string>? groups, string? auth, int? uid, int? gid, int? pid,
        string? certSerial, string? certFingerprint, string? transport, string? remote)
    {
        var line = new AuditLineWriter(new ArrayBufferWriter<byte>(256));
        line.Identity(user, groups, auth, uid, gid, pid, certSerial, certFingerprint, transport, remote);
        Fragment = line.Output.WrittenSpan.ToArray();
    }
}

/// <summary>
/// A request's audit entry as the request thread captures it: references to strings that exist anyway, nothing
/// formatted. The audit writer turns it into the line an <see cref="AuditEntry"/> of kind "request" with these
/// fields would give (<see cref="AuditLog.RecordRequest"/>); the time is taken when it is recorded.
/// </summary>
public readonly record struct AuditRequest(
    AuditRequestId RequestId, AuditIdentity Identity, string? Method, string? Action, string? ObjectId, string? ObjectName,
    string? Decision, string? Rule, int Status, long DurationMicroseconds);

/// <summary>
/// A request id as a queued <see cref="AuditRequest"/> holds it: one that needs no escaping and fits (Kestrel's
/// "0HNQEJ35EJ8VT:00000001") as bytes inside the struct, anything else as its string. A request's id string is
/// made for the entry and dies young if nothing keeps it: the writer runs every 100 ms, and ids held even 25 ms
/// were promoted by the collections in between (66 % more collection work in the secured daemon, measured).
/// </summary>
public readonly struct AuditRequestId
{
    internal const int InlineCapacity = 32;
    private readonly InlineBytes _bytes;
    private readonly int _length;
    private readonly string? _text;

    public AuditRequestId(string? id)
    {
        if (id is { Length: > 0 and <= InlineCapacity } && AuditLineWriter.IsPlain(id))
        {
            Span<byte> bytes = _bytes;
            for (int i = 0; i < id.Length; i++) bytes[i] = (byte)id[i];
            _length = id.Length;
        }
        else
        {
            _text = id;
        }
    }

    public static implicit operator AuditRequestId(string? id) => new(id);

    /// <summary>The id as a string (the test of what was captured; the writer copies the bytes).</summary>
    public override string? ToString() => _text ?? (_length == 0 ? null : System.Text.Encoding.ASCII.GetString(((ReadOnlySpan<byte>)_bytes)[.._length]));

    /// <summary>The most bytes <see cref="WriteJson"/> writes: the quotes and 6 per UTF-16 unit escaped.</summary>
    internal int MaxJsonBytes => 2 + 6 * (_text?.Length ?? _length);

    internal bool IsNull => _text is null && _length == 0;

    /// <summary>The id as a JSON string, with its quotes; returns the bytes written.</summary>
    internal int WriteJson(Span<byte> destination)
    {
        if (_text is not null) return AuditLineWriter.WriteValue(_text, destination);
        destination[0] = (byte)'"';
        ((ReadOnlySpan<byte>)_bytes)[.._length].CopyTo(destination[1..]);
        destination[_length + 1] = (byte)'"';
        return _length + 2;
    }

    [System.Runtime.CompilerServices.InlineArray(InlineCapacity)]
    private struct InlineBytes
    {
        private byte _first;
    }
}

/// <summary>
/// Encoded <c>"method":…,"action":…,</c> and <c>"decision":…,"rule":…,</c> pairs, found by the references of their
/// strings: requests repeat a handful of each (the routes' constants, a cached decision's strings), so the writer
/// copies them instead of encoding them for every line. The audit writer's thread only; cleared when it holds
/// <see cref="MaxEntries"/> pairs (strings that are not constants, such as a reloaded policy's rules, come and go).
/// </summary>
internal sealed class AuditFragments
{
    private const int MaxEntries = 4096;
    private readonly Dictionary<(string?, string?), byte[]> _methodAction = new(ByReference.Instance);
    private readonly Dictionary<(string?, string?), byte[]> _decisionRule = new(ByReference.Instance);

    // The last pair each cache answered: a busy log repeats the same request over and over.
    private (string?, string?, byte[]?) _lastMethodAction, _lastDecisionRule;

    public ReadOnlySpan<byte> MethodAction(string? method, string? action) =>
        Get(_methodAction, ref _lastMethodAction, method, action, "method"u8, "action"u8);

    public ReadOnlySpan<byte> DecisionRule(string? decision, string? rule) =>
        Get(_decisionRule, ref _lastDecisionRule, decision, rule, "decision"u8, "rule"u8);

    private static byte[] Get(Dictionary<(string?, string?), byte[]> cache, ref (string?, string?, byte[]?) last,
        string? first, string? second, ReadOnlySpan<byte> firstName, ReadOnlySpan<byte> secondName)
    {
        if (last.Item3 is { } recent && ReferenceEquals(last.Item1, first) && ReferenceEquals(last.Item2, second)) return recent;
        if (!cache.TryGetValue((first, second), out var encoded))
        {
            if (cache.Count >= MaxEntries) cache.Clear();
            encoded = AuditLineWriter.Pairs(firstName, first, secondName, second);
            cache[(first, second)] = encoded;
        }
        last = (first, second, encoded);
        return encoded;
    }

    private sealed class ByReference : IEqualityComparer<(string?, string?)>
    {
        public static readonly ByReference Instance = new();
        public bool Equals((string?, string?) x, (string?, string?) y) => ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);
        public int GetHashCode((string?, string?) key) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Item1), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Item2));
    }
}

/// <summary>
/// Writes an entry as its line body: <c>{"seq":…,…,"prev":"…"}</c>, fields in the documented order, null ones left
/// out, strings escaped exactly as System.Text.Json's default encoder does. Plain ASCII (nearly every value) is
/// copied as is; anything else goes through <see cref="JsonEncodedText"/>.
/// </summary>
internal readonly struct AuditLineWriter(ArrayBufferWriter<byte> output)
{
    public ArrayBufferWriter<byte> Output { get; } = output;

    /// <summary>
    /// The entry's line up to and including its "prev" value, without the closing brace: what the chain hashes
    /// (<see cref="AuditChain"/>). <paramref name="prev"/> is the previous entry's hash in hex.
    /// </summary>
    public static void WriteBody(ArrayBufferWriter<byte> output, AuditEntry e, ReadOnlySpan<byte> prev)
    {
        var w = new AuditLineWriter(output);
        w.Raw("{"u8);
        w.Number("seq"u8, e.Seq);
        w.String("time"u8, e.Time);
        w.String("kind"u8, e.Kind);
        w.String("request_id"u8, e.RequestId);
        if (e.Identity is { } identity) w.Raw(identity.Fragment);
        else w.Identity(e.User, e.Groups, e.Auth, e.Uid, e.Gid, e.Pid, e.CertSerial, e.CertFingerprint, e.Transport, e.Remote);
        w.Request(e.Method, e.Action, e.ObjectId, e.ObjectName, e.Decision, e.Rule, e.Status);
        if (e.DurationMs is { } duration) w.Duration(duration);
        w.String("message"u8, e.Message);
        w.Prev(prev);
    }

    /// <summary>
    /// <see cref="WriteBody"/> for a request's entry captured as an <see cref="AuditRequest"/>: the same bytes as an
    /// <see cref="AuditEntry"/> of kind "request" with those fields, written without building one.
    /// </summary>
    public static void WriteRequestBody(ArrayBufferWriter<byte> output, long seq, long utcTicks, in AuditRequest r, ReadOnlySpan<byte> prev, AuditFragments fragments)
    {
        var identity = r.Identity.Fragment;
        var methodAction = fragments.MethodAction(r.Method, r.Action);
        var decisionRule = fragments.DecisionRule(r.Decision, r.Rule);
        // The whole line goes into one span sized for the worst case, so no write checks the buffer: the fixed text
        // and numbers fit in 256 bytes, and a string escapes to at most 6 bytes per UTF-16 unit ("\uXXXX").
        int bound = 256 + identity.Length + methodAction.Length + decisionRule.Length + prev.Length
            + r.RequestId.MaxJsonBytes + 6 * ((r.ObjectId?.Length ?? 0) + (r.ObjectName?.Length ?? 0));
        var w = new SpanLine(output.GetSpan(bound));
        w.Raw("{\"seq\":"u8);
        w.Number(seq);
        w.Raw(",\"time\":\""u8);
        w.Time(utcTicks);
        w.Raw("\",\"kind\":\"request\","u8);
        w.RequestId(r.RequestId);
        w.Raw(identity);
        w.Raw(methodAction);
        w.String("object_id"u8, r.ObjectId);
        w.String("object_name"u8, r.ObjectName);
        w.Raw(decisionRule);
        w.Raw("\"status\":"u8);
        w.Number(r.Status);
        w.Raw(",\"duration_ms\":"u8);
        w.Milliseconds(r.DurationMicroseconds);
        w.Raw(",\"prev\":\""u8);
        w.Raw(prev);
        w.Raw("\""u8);
        output.Advance(w.Length);
    }

    /// <summary>
    /// Writes into a span that <see cref="WriteRequestBody"/> sized for the whole line: each write is a copy and an
    /// index bump, with no buffer checks in between.
    /// </summary>
    private ref struct SpanLine(Span<byte> span)
    {
        private readonly Span<byte> _span = span;
        public int Length;

        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_span[Length..]);
            Length += bytes.Length;
        }

        public void Number(long value)
        {
            if (!value.TryFormat(_span[Length..], out int n, default, System.Globalization.CultureInfo.InvariantCulture)) throw new FormatException();
            Length += n;
        }

        public void Time(long utcTicks)
        {
            if (!new DateTime(utcTicks, DateTimeKind.Utc).TryFormat(_span[Length..], out int n, "O", System.Globalization.CultureInfo.InvariantCulture)) throw new FormatException();
            Length += n;
        }

        public void String(ReadOnlySpan<byte> name, string? value)
        {
            if (value is null) return;
            _span[Length++] = (byte)'"';
            Raw(name);
            Raw("\":"u8);
            Length += WriteValue(value, _span[Length..]);
            _span[Length++] = (byte)',';
        }

        public void RequestId(in AuditRequestId id)
        {
            if (id.IsNull) return;
            Raw("\"request_id\":"u8);
            Length += id.WriteJson(_span[Length..]);
            _span[Length++] = (byte)',';
        }

        /// <summary>"duration_ms" from whole microseconds: the digits the double milliseconds would print, without floating-point formatting.</summary>
        public void Milliseconds(long microseconds)
        {
            if (microseconds < 0)
            {
                _span[Length++] = (byte)'-';
                microseconds = -microseconds;
            }
            long whole = Math.DivRem(microseconds, 1000, out long fraction);
            Number(whole);
            if (fraction != 0)
            {
                _span[Length++] = (byte)'.';
                _span[Length++] = (byte)('0' + fraction / 100);
                fraction %= 100;
                if (fraction != 0)
                {
                    _span[Length++] = (byte)('0' + fraction / 10);
                    fraction %= 10;
                    if (fraction != 0) _span[Length++] = (byte)('0' + fraction);
                }
            }
        }
    }

    private void Request(string? method, string? action, string? objectId, string? objectName, string? decision, string? rule, int? status)
    {
        String("method"u8, method);
        String("action"u8, action);
        String("object_id"u8, objectId);
        String("object_name"u8, objectName);
        String("decision"u8, decision);
        String("rule"u8, rule);
        Number("status"u8, status);
    }

    /// <summary>The encoding of a name/value pair list, for <see cref="AuditFragments"/>.</summary>
    internal static byte[] Pairs(ReadOnlySpan<byte> name1, string? value1, ReadOnlySpan<byte> name2, string? value2)
    {
        var w = new AuditLineWriter(new ArrayBufferWriter<byte>(128));
        w.String(name1, value1);
        w.String(name2, value2);
        return w.Output.WrittenSpan.ToArray();
    }

    private void Duration(double milliseconds)
    {
        Name("duration_ms"u8);
        var span = Output.GetSpan(32);
        if (!milliseconds.TryFormat(span, out int n, default, System.Globalization.CultureInfo.InvariantCulture)) throw new FormatException();
        Output.Advance(n);
        Raw(","u8);
    }

    private void Prev(ReadOnlySpan<byte> prev)
    {
        Raw("\"prev\":\""u8);
        Raw(prev);
        Raw("\""u8);
    }

    /// <summary>The caller's fields, "user" … "remote" (what <see cref="AuditIdentity"/> holds encoded).</summary>
    public void Identity(string? user, IReadOnlyList<string>? groups, string? auth, int? uid, int? gid, int? pid,
        string? certSerial, string? certFingerprint, string? transport, string? remote)
    {
        String("user"u8, user);
        if (groups is not null) Strings("groups"u8, groups);
        String("auth"u8, auth);
        Number("uid"u8, uid);
        Number("gid"u8, gid);
        Number("pid"u8, pid);
        String("cert_serial"u8, certSerial);
        String("cert_sha256"u8, certFingerprint);
        String("transport"u8, transport);
        String("remote"u8, remote);
    }

    public void Raw(ReadOnlySpan<byte> bytes) => Output.Write(bytes);

    public void Name(ReadOnlySpan<byte> name)
    {
        Raw("\""u8);
        Raw(name);
        Raw("\":"u8);
    }

    public void String(ReadOnlySpan<byte> name, string? value)
    {
        if (value is null) return;
        Name(name);
        Value(value);
        Raw(","u8);
    }

    public void Strings(ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        Name(name);
        Raw("["u8);
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) Raw(","u8);
            Value(values[i]);
        }
        Raw("],"u8);
    }

    public void Number(ReadOnlySpan<byte> name, long? value)
    {
        if (value is not { } v) return;
        Name(name);
        var span = Output.GetSpan(24);
        if (!v.TryFormat(span, out int n, default, System.Globalization.CultureInfo.InvariantCulture)) throw new FormatException();
        Output.Advance(n);
        Raw(","u8);
    }

    public void Value(string value) => Output.Advance(WriteValue(value, Output.GetSpan(6 * value.Length + 2)));

    /// <summary>
    /// <paramref name="value"/> as a JSON string into <paramref name="destination"/> (room for 6 bytes per UTF-16 unit
    /// plus the quotes); returns the bytes written. One scalar pass checks and copies plain ASCII, nearly every
    /// value: on baseline x64 (the AOT target) the vector search and narrowing this replaced ran partly in software.
    /// </summary>
    internal static int WriteValue(string value, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        int i = 0;
        for (; i < value.Length; i++)
        {
            char c = value[i];
            if (c >= 128 || (Plain[c >> 5] & (1u << (c & 31))) == 0) break;
            destination[i + 1] = (byte)c;
        }
        if (i < value.Length)
        {
            var encoded = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
            encoded.CopyTo(destination[1..]);
            i = encoded.Length;
        }
        destination[i + 1] = (byte)'"';
        return i + 2;
    }

    /// <summary>True when the encoder leaves every character of <paramref name="value"/> as it is.</summary>
    internal static bool IsPlain(string value)
    {
        foreach (char c in value)
            if (c >= 128 || (Plain[c >> 5] & (1u << (c & 31))) == 0) return false;
        return true;
    }

    /// <summary>
    /// Bitmap of the printable ASCII the default encoder leaves alone: space and !#$%()*,-./0-9:;=?@A-Z[]^_a-z{|}~
    /// (it escapes " \ &amp; ' + &lt; &gt; ` and every control character). Bit c of word c/32 is set for such a c.
    /// </summary>
    private static ReadOnlySpan<uint> Plain => [0x00000000, 0xAFFFF73B, 0xEFFFFFFF, 0x7FFFFFFE];
}
