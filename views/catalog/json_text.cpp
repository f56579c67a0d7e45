#include "views/catalog/json_text.h"

namespace meshdeck::views::jsontext {
namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

qsizetype skipSpace(QByteArrayView text, qsizetype pos) {
    while (pos < text.size() && isSpace(text[pos]))
        ++pos;
    return pos;
}

// One past the closing quote of the string starting at `pos`; -1 if unterminated.
qsizetype stringEnd(QByteArrayView text, qsizetype pos) {
    for (qsizetype i = pos + 1; i < text.size(); ++i) {
        if (text[i] == '\\')
            ++i;
        else if (text[i] == '"')
            return i + 1;
    }
    return -1;
}

// One past the end of the value starting at `pos` (no leading space); -1 if malformed.
qsizetype valueEnd(QByteArrayView text, qsizetype pos) {
    if (pos >= text.size())
        return -1;
    const char first = text[pos];
    if (first == '"')
        return stringEnd(text, pos);
    if (first == '{' || first == '[') {
        int depth = 0;
        for (qsizetype i = pos; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '"') {
                i = stringEnd(text, i);
                if (i < 0)
                    return -1;
                --i;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return -1;
    }
    qsizetype i = pos;
    while (i < text.size() && !isSpace(text[i]) && text[i] != ',' && text[i] != '}' &&
           text[i] != ']')
        ++i;
    return i > pos ? i : -1;
}

// Calls visit(key, value) for each member of an object (open '{'), or
// visit({}, element) for each element of an array (open '[').
template <typename Visit> void forEachItem(QByteArrayView text, char open, Visit visit) {
    qsizetype pos = skipSpace(text, 0);
    if (pos >= text.size() || text[pos] != open)
        return;
    pos = skipSpace(text, pos + 1);
    while (pos < text.size() && text[pos] != '}' && text[pos] != ']') {
        QByteArrayView key;
        if (open == '{') {
            const qsizetype keyEnd = stringEnd(text, pos);
            if (text[pos] != '"' || keyEnd < 0)
                return;
            key = text.sliced(pos + 1, keyEnd - pos - 2);
            pos = skipSpace(text, keyEnd);
            if (pos >= text.size() || text[pos] != ':')
                return;
            pos = skipSpace(text, pos + 1);
        }
        const qsizetype end = valueEnd(text, pos);
        if (end < 0)
            return;
        visit(key, text.sliced(pos, end - pos));
        pos = skipSpace(text, end);
        if (pos < text.size() && text[pos] == ',')
            pos = skipSpace(text, pos + 1);
    }
}

} // namespace

QList<QByteArrayView> arrayElements(QByteArrayView arrayText) {
    QList<QByteArrayView> elements;
    forEachItem(arrayText, '[', [&](QByteArrayView, QByteArrayView value) { elements << value; });
    return elements;
}

QByteArrayView member(QByteArrayView objectText, QByteArrayView key) {
    QByteArrayView found;
    forEachItem(objectText, '{', [&](QByteArrayView name, QByteArrayView value) {
        if (found.isNull() && name == key)
            found = value;
    });
    return found;
}

QString indented(QByteArrayView json) {
    QByteArray out;
    out.reserve(json.size() * 2);
    int depth = 0;
    const auto newline = [&] {
        out += '\n';
        out += QByteArray(depth * 2, ' ');
    };
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '"') {
            const qsizetype end = stringEnd(json, i);
            const qsizetype stop = end < 0 ? json.size() : end;
            out += json.sliced(i, stop - i);
            i = stop - 1;
        } else if (c == '{' || c == '[') {
            const qsizetype next = skipSpace(json, i + 1);
            if (next < json.size() && (json[next] == '}' || json[next] == ']')) {
                out += c;
                out += json[next];
                i = next;
                continue;
            }
            out += c;
            ++depth;
            newline();
        } else if (c == '}' || c == ']') {
            --depth;
            newline();
            out += c;
        } else if (c == ',') {
            out += c;
            newline();
        } else if (c == ':') {
            out += ": ";
        } else if (!isSpace(c)) {
            out += c;
        }
    }
    return QString::fromUtf8(out);
}

} // namespace meshdeck::views::jsontext
