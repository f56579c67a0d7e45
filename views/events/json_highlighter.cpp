#include "views/events/json_highlighter.h"

#include <QGuiApplication>
#include <QPalette>

namespace meshdeck::views {

namespace {

// A hue at a lightness that contrasts with the base colour it is drawn on.
QColor readableOn(const QColor& base, int hue, int saturation) {
    const bool darkBase = base.lightness() < 128;
    return QColor::fromHsl(hue, saturation, darkBase ? 175 : 85);
}

} // namespace

JsonHighlighter::JsonHighlighter(QTextDocument* document)
    : QSyntaxHighlighter(document), stringPattern_(QStringLiteral(R"("(?:[^"\\]|\\.)*")")),
      numberPattern_(QStringLiteral(R"(-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)")),
      literalPattern_(QStringLiteral(R"(\b(?:true|false|null)\b)")) {
    setPalette(QGuiApplication::palette());
}

void JsonHighlighter::setPalette(const QPalette& palette) {
    const QColor base = palette.color(QPalette::Base);
    key_ = {};
    key_.setForeground(readableOn(base, 210, 200)); // blue
    key_.setFontWeight(QFont::DemiBold);
    string_ = {};
    string_.setForeground(readableOn(base, 120, 140)); // green
    number_ = {};
    number_.setForeground(readableOn(base, 28, 220)); // orange
    literal_ = {};
    literal_.setForeground(readableOn(base, 300, 150)); // magenta
    rehighlight();
}

void JsonHighlighter::highlightBlock(const QString& text) {
    // Numbers and literals first: a string that holds digits or "true" is
    // repainted as a string below.
    for (auto it = numberPattern_.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()),
                  number_);
    }
    for (auto it = literalPattern_.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()),
                  literal_);
    }
    for (auto it = stringPattern_.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        const auto end = m.capturedEnd();
        qsizetype next = end;
        while (next < text.size() && text.at(next).isSpace())
            ++next;
        const bool isKey = next < text.size() && text.at(next) == u':';
        setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()),
                  isKey ? key_ : string_);
    }
}

} // namespace meshdeck::views
