#pragma once
// One palette for what a person must notice, shared by every page: a state
// (healthy, paused, retrying, circuit open, dead letters, rejected inputs,
// SLO missed, offline) has one colour for text and one tint for the
// background of a row or tile, chosen for the widget's palette (light or
// dark), each text readable on its tint (WCAG contrast of at least 4.5, as
// tst_severity checks). A word and a one-line meaning name each state in
// legends and tooltips. The flow map, the Trace waterfall, the Overview and
// the consumer tables all take their colours from here, so one state looks
// the same everywhere.

#include "core/protocol/consumer_status.h"

#include <QColor>
#include <QIcon>
#include <QList>
#include <QPalette>
#include <QString>

namespace meshdeck::views {

enum class Severity {
    Healthy,     // working as it should
    Idle,        // paused by a person, or nothing to do
    Retrying,    // failed attempts waiting out their backoff
    CircuitOpen, // the sink failed too often: deliveries held back
    DeadLetters, // events that gave up and wait for a person
    Rejected,    // inputs kept in quarantine, never published
    SloMissed,   // later than the consumer's latency target
    Offline,     // the broker does not answer: numbers are old
};

// Every state, in the order legends list them.
QList<Severity> allSeverities();

// Needs no look (Healthy, Idle) rather than a person's attention.
bool isFine(Severity severity);

struct SeverityColours {
    QColor text; // for text and marks drawn on the tint or the palette's base
    QColor tint; // a row's or tile's background
};

// Dark when the palette's base is (Base lightness below 128).
bool isDarkPalette(const QPalette& palette);
SeverityColours coloursOf(Severity severity, const QPalette& palette);

// "retrying", "circuit open"; and what it means, in one line.
QString severityWord(Severity severity);
QString severityMeaning(Severity severity);

// A small dot in that colour, for a state cell (Qt::DecorationRole).
QIcon severityDot(const QColor& colour);

// WCAG 2 contrast ratio of two opaque colours, from 1 to 21.
double contrastRatio(const QColor& a, const QColor& b);

// A consumer's state as every page says it (the broker's headline state),
// and the severity its row takes: a running consumer that dead-lettered
// events still shows them.
QString stateWordOf(const protocol::ConsumerReport& consumer);
Severity severityOf(const protocol::ConsumerReport& consumer);

} // namespace meshdeck::views
