#pragma once
// Internal to core and the gateway: the protocol types as nlohmann JSON
// values, and a reader that turns a member of the wrong type or a missing one
// into a Violation at its path. Include from .cpp files only (it brings
// nlohmann/json.hpp); everyone else uses toJson()/fromJson() on text.

#include "core/error.h"
#include "core/json_input.h"
#include "core/json_read.h"
#include "core/protocol/consumer_status.h"
#include "core/protocol/dead_letter.h"
#include "core/protocol/decoded.h"
#include "core/protocol/live.h"
#include "core/protocol/stall.h"
#include "core/protocol/trace.h"
#include "core/time.h"
#include "core/word_table.h"

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshdeck::protocol {

// Ordered, so answers keep the order the fields are written in.
using Json = nlohmann::ordered_json;

// Dumps an answer; a sink's error text may be any bytes, so invalid UTF-8 is
// replaced instead of throwing.
std::string dump(const Json& value);
// A stored JSON text embedded as a value (null when it is not JSON), and
// back to compact text.
Json embed(const std::string& jsonText);
std::string text(const Json& value);

// Reads the members of one object. Each required() member that is missing,
// and each member of the wrong type, becomes a violation at its path.
class ObjectReader {
public:
    ObjectReader(const Json& object, std::string path, Violations& bad);

    bool ok() const { return ok_; }
    const std::string& path() const { return path_; }
    std::string pathOf(std::string_view key) const;
    // The member, or nullptr when absent or null.
    const Json* find(std::string_view key) const;
    // The same, and a violation when it is absent.
    const Json* require(std::string_view key);

    template <class T> void required(std::string_view key, T& out) {
        if (!find(key))
            return missing(key);
        optional(key, out);
    }
    template <class T> void optional(std::string_view key, T& out) {
        if (auto v = json_read::member<T>(object_, key, bad_, path_))
            out = std::move(*v);
    }
    template <class T> void optional(std::string_view key, std::optional<T>& out) {
        out = json_read::member<T>(object_, key, bad_, path_);
    }
    void requiredTime(std::string_view key, Timestamp& out);
    // Absent, null or "": nullopt.
    void optionalTime(std::string_view key, std::optional<Timestamp>& out);
    // A word of an enum: parse returns nullopt for a word it does not know.
    template <class E, class Parse>
    void requiredWord(std::string_view key, E& out, Parse parse, std::string_view expected) {
        std::string word;
        required(key, word);
        if (!find(key) || !find(key)->is_string())
            return;
        if (auto e = parse(word))
            out = *e;
        else
            fail(key, "expected " + std::string(expected) + ", got \"" + word + '"');
    }
    // An array whose items are read by readItem(const Json&, path, bad, T&).
    template <class T, class ReadItem>
    void requiredArray(std::string_view key, std::vector<T>& out, ReadItem readItem) {
        const Json* v = find(key);
        if (!v)
            return missing(key);
        if (!v->is_array())
            return fail(key, "expected an array, got " + jsonpath::describeValue(*v));
        out.clear();
        for (std::size_t i = 0; i < v->size(); ++i) {
            T item{};
            readItem((*v)[i], jsonpath::append(pathOf(key), i), bad_, item);
            out.push_back(std::move(item));
        }
    }
    void fail(std::string_view key, std::string message);

private:
    void missing(std::string_view key);

    const Json& object_;
    std::string path_;
    Violations& bad_;
    bool ok_ = true;
};

// Parses text and reads it with read(const Json&, path, bad, T&).
template <class T, class Read> Decoded<T> decode(std::string_view text, Read read) {
    Decoded<T> out;
    Json json;
    std::string why;
    if (!json_input::parse(text, json, why)) {
        out.violations.push_back({"", "the answer is not JSON: " + why});
        return out;
    }
    T value{};
    read(json, std::string(), out.violations, value);
    if (out.violations.empty())
        out.value = std::move(value);
    return out;
}

// Each protocol type as a JSON value, and read back. The field names of the
// HTTP API are written in these functions and nowhere else.
Json value(const AttemptRecord& attempt);
Json value(const DeadLetter& letter, bool withEvent);
Json value(const DeadLetterGroup& group);
Json value(const DeadLetterPage& page);
Json value(const DeadLetterGroups& groups);
Json value(const DeadLetterDetail& detail);
Json value(const LatencySummary& latency);
Json value(const TypedLatency& latency);
Json value(const ConsumerReport& consumer);
Json value(const ConsumerList& list);
Json value(const StallFinding& finding);
Json value(const StallAnswer& answer);
Json value(const TraceEntry& entry);
Json value(const CausationNode& node);
Json value(const Trace& trace);
Json value(const FlowSnapshot& flows);
Json value(const LiveSnapshot& snapshot);
Json value(const LiveStateChange& change);

void read(const Json& json, const std::string& path, Violations& bad, AttemptRecord& out);
void read(const Json& json, const std::string& path, Violations& bad, DeadLetter& out);
void read(const Json& json, const std::string& path, Violations& bad, DeadLetterGroup& out);
void read(const Json& json, const std::string& path, Violations& bad, DeadLetterPage& out);
void read(const Json& json, const std::string& path, Violations& bad, DeadLetterGroups& out);
void read(const Json& json, const std::string& path, Violations& bad, DeadLetterDetail& out);
void read(const Json& json, const std::string& path, Violations& bad, LatencySummary& out);
void read(const Json& json, const std::string& path, Violations& bad, TypedLatency& out);
void read(const Json& json, const std::string& path, Violations& bad, ConsumerReport& out);
void read(const Json& json, const std::string& path, Violations& bad, ConsumerList& out);
void read(const Json& json, const std::string& path, Violations& bad, StallFinding& out);
void read(const Json& json, const std::string& path, Violations& bad, StallAnswer& out);
void read(const Json& json, const std::string& path, Violations& bad, TraceEntry& out);
void read(const Json& json, const std::string& path, Violations& bad, CausationNode& out);
void read(const Json& json, const std::string& path, Violations& bad, Trace& out);
void read(const Json& json, const std::string& path, Violations& bad, FlowSnapshot& out);
void read(const Json& json, const std::string& path, Violations& bad, LiveSnapshot& out);
void read(const Json& json, const std::string& path, Violations& bad, LiveStateChange& out);
void read(const Json& json, const std::string& path, Violations& bad, LiveFrame& out);

// An array member whose items have a read() above.
template <class T> void readArray(ObjectReader& r, std::string_view key, std::vector<T>& out) {
    r.requiredArray(key, out, [](const Json& j, const std::string& path, Violations& bad, T& item) {
        read(j, path, bad, item);
    });
}
template <class T> Json arrayOf(const std::vector<T>& items) {
    Json list = Json::array();
    for (const auto& item : items)
        list.push_back(value(item));
    return list;
}

// The definition behind fromJson<T>; each protocol .cpp instantiates it for its types.
template <class T> Decoded<T> fromJson(std::string_view text) {
    return decode<T>(text, [](const Json& j, const std::string& path, Violations& bad, T& out) {
        read(j, path, bad, out);
    });
}

} // namespace meshdeck::protocol
