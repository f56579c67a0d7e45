// A consumer's minute history on the wire.
#include "core/protocol/history.h"

#include "core/protocol/json_codec.h"

namespace meshdeck::protocol {

Json value(const HistoryMinute& m);
Json value(const ConsumerHistory& h);
void read(const Json& json, const std::string& path, Violations& bad, HistoryMinute& out);
void read(const Json& json, const std::string& path, Violations& bad, ConsumerHistory& out);

Json value(const HistoryMinute& m) {
    return Json{{"minute", formatRfc3339(m.minute)},
                {"delivered", m.delivered},
                {"failed", m.failed},
                {"retried", m.retried},
                {"dead_lettered", m.deadLettered},
                {"lag_events", m.lagEvents},
                {"lag_age_ms", m.lagAgeMs},
                {"p50_ms", m.p50Ms},
                {"p99_ms", m.p99Ms}};
}

Json value(const ConsumerHistory& h) {
    return Json{{"consumer", h.consumer}, {"minutes", arrayOf(h.minutes)}};
}

void read(const Json& json, const std::string& path, Violations& bad, HistoryMinute& out) {
    ObjectReader r(json, path, bad);
    r.requiredTime("minute", out.minute);
    r.required("delivered", out.delivered);
    r.required("failed", out.failed);
    r.required("retried", out.retried);
    r.required("dead_lettered", out.deadLettered);
    r.required("lag_events", out.lagEvents);
    r.required("lag_age_ms", out.lagAgeMs);
    r.required("p50_ms", out.p50Ms);
    r.required("p99_ms", out.p99Ms);
}

void read(const Json& json, const std::string& path, Violations& bad, ConsumerHistory& out) {
    ObjectReader r(json, path, bad);
    r.required("consumer", out.consumer);
    readArray(r, "minutes", out.minutes);
}

std::string toJson(const ConsumerHistory& history) {
    return dump(value(history));
}

template Decoded<ConsumerHistory> fromJson(std::string_view);

} // namespace meshdeck::protocol
