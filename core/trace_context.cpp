#include "core/trace_context.h"

#include "core/event.h"

#include <cstdint>

namespace meshdeck {

namespace {

// FNV-1a, 64 bits: a stable span id from the delivery's identity.
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325ULL) {
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string hex16(std::uint64_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4)
        out[static_cast<std::size_t>(i)] = digits[v & 0xf];
    return out;
}

} // namespace

std::string traceparentFor(const Event& event, std::string_view consumer, int attempt) {
    if (!event.traceparent.empty())
        return event.traceparent;
    std::string traceId;
    for (const char c : event.eventId)
        if (c != '-')
            traceId += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    if (traceId.size() != 32 ||
        traceId.find_first_not_of("0123456789abcdef") != std::string::npos ||
        traceId.find_first_not_of('0') == std::string::npos)
        traceId = hex16(fnv1a(event.eventId)) + hex16(fnv1a(event.eventId, 0x84222325cbf29ce4ULL));
    std::uint64_t span = fnv1a(consumer, fnv1a(event.eventId));
    span = fnv1a(std::to_string(attempt), span);
    if (span == 0)
        span = 1;
    return "00-" + traceId + '-' + hex16(span) + "-01";
}

} // namespace meshdeck
