#include "views/style/severity.h"

#include "views/session/protocol_adapter.h"

#include <QHash>
#include <QPainter>
#include <QPixmap>
#include <cmath>

namespace meshdeck::views {

namespace {

struct Entry {
    Severity severity;
    const char* word;
    const char* meaning;
    QRgb lightText, lightTint, darkText, darkTint;
};

// Hues apart from one another (green, grey, amber, orange, red, violet,
// magenta, blue); the light set dark on pale, the dark set pale on deep.
constexpr Entry kEntries[] = {
    {Severity::Healthy, "healthy", "delivering as it should", 0x1b6e35, 0xe3f4e8, 0x86e0a0,
     0x173a22},
    {Severity::Idle, "paused or idle", "paused by a person, or nothing to deliver", 0x4f5963,
     0xeceff2, 0xbcc5cd, 0x30363c},
    {Severity::Retrying, "retrying", "attempts failed; retried after a backoff", 0x7a5200, 0xfff1cc,
     0xf5c84c, 0x3d3012},
    {Severity::CircuitOpen, "circuit open",
     "the sink failed too often; deliveries wait for a probe", 0x9a3a00, 0xffe4d1, 0xffab6e,
     0x45260f},
    {Severity::DeadLetters, "dead letters", "events gave up and wait for a person to replay them",
     0xa1231b, 0xfde0de, 0xff8a80, 0x4c1c1c},
    {Severity::Rejected, "rejected inputs",
     "inputs that did not pass their contract, kept in quarantine", 0x5b32a0, 0xefe6fb, 0xc9a8ff,
     0x33254a},
    {Severity::SloMissed, "SLO missed", "later than a consumer's latency target", 0x8e1f5c,
     0xfbe2f0, 0xff8fcf, 0x461a3b},
    {Severity::Offline, "offline", "the broker does not answer; numbers are from the last contact",
     0x2d4a7a, 0xe1e8f5, 0x9db8e8, 0x1f2b3f},
};

const Entry& entryOf(Severity severity) {
    for (const Entry& e : kEntries)
        if (e.severity == severity)
            return e;
    return kEntries[0];
}

double linear(double channel) {
    return channel <= 0.04045 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
}

double luminance(const QColor& c) {
    return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
}

} // namespace

QList<Severity> allSeverities() {
    QList<Severity> out;
    for (const Entry& e : kEntries)
        out.append(e.severity);
    return out;
}

bool isFine(Severity severity) {
    return severity == Severity::Healthy || severity == Severity::Idle;
}

bool isDarkPalette(const QPalette& palette) {
    return palette.color(QPalette::Base).lightness() < 128;
}

SeverityColours coloursOf(Severity severity, const QPalette& palette) {
    const Entry& e = entryOf(severity);
    return isDarkPalette(palette) ? SeverityColours{QColor(e.darkText), QColor(e.darkTint)}
                                  : SeverityColours{QColor(e.lightText), QColor(e.lightTint)};
}

QString severityWord(Severity severity) {
    return QString::fromLatin1(entryOf(severity).word);
}

QString severityMeaning(Severity severity) {
    return QString::fromLatin1(entryOf(severity).meaning);
}

QIcon severityDot(const QColor& colour) {
    static QHash<QRgb, QIcon> dots; // drawn once per colour; GUI thread only
    auto it = dots.find(colour.rgb());
    if (it == dots.end()) {
        QPixmap pixmap(12, 12);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
        p.end();
        it = dots.insert(colour.rgb(), QIcon(pixmap));
    }
    return *it;
}

double contrastRatio(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QString stateWordOf(const protocol::ConsumerReport& consumer) {
    return wordOf(consumer.state);
}

Severity severityOf(const protocol::ConsumerReport& consumer) {
    using protocol::ConsumerState;
    switch (consumer.state) {
    case ConsumerState::Paused:
        return Severity::Idle;
    case ConsumerState::CircuitOpen:
        return Severity::CircuitOpen;
    case ConsumerState::Blocked:
        return Severity::DeadLetters;
    case ConsumerState::Retrying:
        return Severity::Retrying;
    case ConsumerState::Running:
        break;
    }
    return consumer.deadLettered > 0 ? Severity::DeadLetters : Severity::Healthy;
}

} // namespace meshdeck::views
