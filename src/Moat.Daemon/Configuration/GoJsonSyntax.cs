namespace Moat.Daemon.Configuration;

/// <summary>
/// Finds the first JSON syntax error the way Go's encoding/json scanner reports it
/// (<c>invalid character '}' looking for beginning of object key string</c>, <c>unexpected end of JSON input</c>),
/// so a broken daemon.json gets the message dockerd would print.
/// </summary>
internal static class GoJsonSyntax
{
    /// <summary>The 0-based offset and Go's message of the first syntax error; null when the input is valid JSON.</summary>
    public static (int Offset, string Message)? FindError(ReadOnlySpan<byte> data)
    {
        var scanner = new Scanner(data);
        try
        {
            scanner.SkipSpace();
            scanner.Value(depth: 0);
            scanner.SkipSpace();
            if (!scanner.AtEnd) scanner.Fail("after top-level value");
            return null;
        }
        catch (SyntaxError e)
        {
            return (e.Offset, e.Message);
        }
    }

    private sealed class SyntaxError(int offset, string message) : Exception(message)
    {
        public int Offset { get; } = offset;
    }

    private ref struct Scanner(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos >= _data.Length;

        public void SkipSpace()
        {
            while (_pos < _data.Length && _data[_pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') _pos++;
        }

        private byte Next()
        {
            if (_pos >= _data.Length) throw new SyntaxError(_data.Length, "unexpected end of JSON input");
            return _data[_pos];
        }

        public readonly void Fail(string context) =>
            throw new SyntaxError(_pos, $"invalid character {QuoteChar(_data[_pos])} {context}");

        public void Value(int depth)
        {
            if (depth > 10000) throw new SyntaxError(_pos, "exceeded max depth");
            byte c = Next();
            switch (c)
            {
                case (byte)'{': Object(depth); break;
                case (byte)'[': Array(depth); break;
                case (byte)'"': String(); break;
                case (byte)'t': Literal("true"); break;
                case (byte)'f': Literal("false"); break;
                case (byte)'n': Literal("null"); break;
                default:
                    if (c == '-' || c is >= (byte)'0' and <= (byte)'9') Number();
                    else Fail("looking for beginning of value");
                    break;
            }
        }

        private void Object(int depth)
        {
            _pos++;
            SkipSpace();
            if (Next() == '}') { _pos++; return; }
            while (true)
            {
                if (Next() != '"') Fail("looking for beginning of object key string");
                String();
                SkipSpace();
                if (Next() != ':') Fail("after object key");
                _pos++;
                SkipSpace();
                Value(depth + 1);
                SkipSpace();
                byte c = Next();
                if (c == '}') { _pos++; return; }
                if (c != ',') Fail("after object key:value pair");
                _pos++;
                SkipSpace();
            }
        }

        private void Array(int depth)
        {
            _pos++;
            SkipSpace();
            if (Next() == ']') { _pos++; return; }
            while (true)
            {
                Value(depth + 1);
                SkipSpace();
                byte c = Next();
                if (c == ']') { _pos++; return; }
                if (c != ',') Fail("after array element");
                _pos++;
                SkipSpace();
            }
        }

        private void String()
        {
            _pos++;
            while (true)
            {
                byte c = Next();
                if (c == '"') { _pos++; return; }
                if (c < 0x20) Fail("in string literal");
                if (c == '\\')
                {
                    _pos++;
                    byte e = Next();
                    if (e == 'u')
                    {
                        for (int i = 0; i < 4; i++)
                        {
                            _pos++;
                            if (!Uri.IsHexDigit((char)Next())) Fail("in \\u hexadecimal character escape");
                        }
                    }
                    else if (e is not ((byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'))
                    {
                        Fail("in string escape code");
                    }
                }
                _pos++;
            }
        }

        private void Number()
        {
            if (_data[_pos] == '-')
            {
                _pos++;
                if (!IsDigit(Next())) Fail("in numeric literal");
            }
            if (_data[_pos] == '0') _pos++;
            else while (!AtEnd && IsDigit(_data[_pos])) _pos++;
            if (!AtEnd && _data[_pos] == '.')
            {
                _pos++;
                if (!IsDigit(Next())) Fail("after decimal point in numeric literal");
                while (!AtEnd && IsDigit(_data[_pos])) _pos++;
            }
            if (!AtEnd && _data[_pos] is (byte)'e' or (byte)'E')
            {
                _pos++;
                if (Next() is (byte)'+' or (byte)'-') _pos++;
                if (!IsDigit(Next())) Fail("in exponent of numeric literal");
                while (!AtEnd && IsDigit(_data[_pos])) _pos++;
            }
        }

        private void Literal(string word)
        {
            _pos++;
            for (int i = 1; i < word.Length; i++)
            {
                if (Next() != word[i]) Fail($"in literal {word} (expecting {QuoteChar((byte)word[i])})");
                _pos++;
            }
        }

        private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';
    }

    /// <summary>Go's <c>quoteChar</c>.</summary>
    private static string QuoteChar(byte c)
    {
        if (c == '\'') return @"'\''";
        if (c == '"') return "'\"'";
        string q = GoFormat.Quote(((char)c).ToString());
        return "'" + q[1..^1] + "'";
    }
}
