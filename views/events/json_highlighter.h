#pragma once
// Colours pretty-printed JSON (keys, strings, numbers, true/false/null) in a
// QTextDocument. The colours come from the palette: the same hues, lighter on
// a dark base and darker on a light one, so they read in either theme.

#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace meshdeck::views {

class JsonHighlighter : public QSyntaxHighlighter {
    Q_OBJECT

public:
    explicit JsonHighlighter(QTextDocument* document);

    // Recolours for a new palette (the application switched theme).
    void setPalette(const QPalette& palette);

    QTextCharFormat keyFormat() const { return key_; }
    QTextCharFormat stringFormat() const { return string_; }
    QTextCharFormat numberFormat() const { return number_; }
    QTextCharFormat literalFormat() const { return literal_; }

protected:
    void highlightBlock(const QString& text) override;

private:
    QTextCharFormat key_, string_, number_, literal_;
    QRegularExpression stringPattern_, numberPattern_, literalPattern_;
};

} // namespace meshdeck::views
