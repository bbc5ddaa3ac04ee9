using System;
using System.Text;

namespace KernelDsl.Compiler.Common;

/// <summary>
/// Writes indented source text. <see cref="Block"/> opens a brace block that closes when disposed:
/// <c>using (writer.Block("for (...)")) { ... }</c> keeps braces and indentation right.
/// </summary>
public sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private readonly string _indentUnit;
    private int _indent;

    public CodeWriter(string indentUnit = "    ") => _indentUnit = indentUnit;

    /// <summary>Writes one line at the current indentation (an empty line stays empty).</summary>
    public CodeWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            for (int i = 0; i < _indent; i++)
            {
                _text.Append(_indentUnit);
            }

            _text.Append(text);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until disposed.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        return Indented("{", "}");
    }

    /// <summary>Writes <paramref name="open"/>, indents until disposed, then writes <paramref name="close"/>.</summary>
    public IDisposable Indented(string open, string close)
    {
        Line(open);
        _indent++;
        return new Closer(this, close);
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer : IDisposable
    {
        private readonly CodeWriter _writer;
        private readonly string _close;
        private bool _closed;

        public Closer(CodeWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            if (!_closed)
            {
                _closed = true;
                _writer._indent--;
                _writer.Line(_close);
            }
        }
    }
}
