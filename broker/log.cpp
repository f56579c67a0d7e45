#include "broker/log.h"

#include "core/time.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

namespace meshdeck::log {

namespace {
std::atomic<Level> minimumLevel{Level::Info};
std::atomic<bool> humanReadable{false};
std::mutex writeMutex; // one line at a time

std::string_view levelName(Level level) {
    switch (level) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warn:
        return "warn";
    case Level::Error:
        return "error";
    }
    return "info";
}
} // namespace

void setMinimumLevel(Level level) {
    minimumLevel = level;
}
void setHumanReadable(bool human) {
    humanReadable = human;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
    if (level < minimumLevel.load())
        return;
    const std::string ts = formatRfc3339(SystemClock::instance().now());
    std::string line;
    if (humanReadable) {
        line = ts + ' ' + std::string(levelName(level)) + ' ' + std::string(message);
        for (const auto& [key, value] : fields) {
            line += ' ';
            line += key;
            line += '=';
            std::visit(
                [&line](const auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::string_view>)
                        line += v;
                    else if constexpr (std::is_same_v<T, bool>)
                        line += v ? "true" : "false";
                    else
                        line += std::to_string(v);
                },
                value);
        }
    } else {
        nlohmann::ordered_json j;
        j["ts"] = ts;
        j["level"] = levelName(level);
        j["msg"] = message;
        for (const auto& [key, value] : fields)
            std::visit([&j, key = std::string(key)](const auto& v) { j[key] = v; }, value);
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    line += '\n';
    std::lock_guard lock(writeMutex);
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

} // namespace meshdeck::log
