#pragma once
// Roles the Events models answer beyond Qt's own; views and delegates ask
// for these rather than parsing display text.

#include <Qt>

namespace meshdeck::views {

enum EventRole {
    RawJsonRole = Qt::UserRole + 1, // QByteArray: the event as the mesh sent it (compact JSON)
    EventIdRole,                    // QString
    CorrelationIdRole,              // QString, empty when the event has none
    SeqRole,                        // qint64
};

} // namespace meshdeck::views
