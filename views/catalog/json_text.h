#pragma once
// Order-preserving views of JSON text. QJsonObject sorts its keys, which
// would show a schema as "$id, $schema, additionalProperties, ..." instead
// of the order its author wrote; the catalog shows schemas as written, so it
// slices and indents the broker's (ordered) JSON text directly. Input is
// assumed to be JSON the broker produced; malformed text yields empty views.

#include <QByteArrayView>
#include <QList>
#include <QString>

namespace meshdeck::views::jsontext {

// The raw text of each element of a JSON array.
QList<QByteArrayView> arrayElements(QByteArrayView arrayText);
// The raw text of an object's member `key` (compared unescaped-as-written);
// empty when the object has no such member.
QByteArrayView member(QByteArrayView objectText, QByteArrayView key);
// The JSON text re-indented (two spaces a level), member order unchanged.
QString indented(QByteArrayView json);

} // namespace meshdeck::views::jsontext
