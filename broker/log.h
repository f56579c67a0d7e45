#pragma once
// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-27T09:14:03.120Z","level":"info","msg":"listening","url":"http://127.0.0.1:8787"}
// Never pass secrets or payloads as fields: tokens are logged by their public id only.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace meshdeck::log {

using Value = std::variant<std::string_view, long long, double, bool>;
using Field = std::pair<std::string_view, Value>;

enum class Level { Debug, Info, Warn, Error };

void setMinimumLevel(Level level);
// Writes text lines instead of JSON (for humans at a terminal); JSON is the default.
void setHumanReadable(bool human);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
    write(Level::Debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
    write(Level::Info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
    write(Level::Warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
    write(Level::Error, m, f);
}

} // namespace meshdeck::log
