#include "core/protocol/json_codec.h"

namespace meshdeck::protocol {

std::string dump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json embed(const std::string& jsonText) {
    Json value = Json::parse(jsonText, nullptr, false);
    return value.is_discarded() ? Json() : value; // dumping a discarded value is not JSON
}

std::string text(const Json& value) {
    return dump(value);
}

ObjectReader::ObjectReader(const Json& object, std::string path, Violations& bad)
    : object_(object), path_(std::move(path)), bad_(bad) {
    if (!object_.is_object()) {
        bad_.push_back({path_, "expected an object, got " + jsonpath::describeValue(object_)});
        ok_ = false;
    }
}

std::string ObjectReader::pathOf(std::string_view key) const {
    return jsonpath::append(path_, key);
}

const Json* ObjectReader::find(std::string_view key) const {
    if (!ok_)
        return nullptr;
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
}

const Json* ObjectReader::require(std::string_view key) {
    const Json* v = find(key);
    if (!v)
        missing(key);
    return v;
}

void ObjectReader::requiredTime(std::string_view key, Timestamp& out) {
    if (!find(key))
        return missing(key);
    std::optional<Timestamp> t;
    optionalTime(key, t);
    if (t)
        out = *t;
}

void ObjectReader::optionalTime(std::string_view key, std::optional<Timestamp>& out) {
    out.reset();
    std::string word;
    optional(key, word);
    if (word.empty())
        return;
    out = parseRfc3339(word);
    if (!out)
        fail(key, "expected an RFC 3339 time, got \"" + word + '"');
}

void ObjectReader::fail(std::string_view key, std::string message) {
    bad_.push_back({pathOf(key), std::move(message)});
}

void ObjectReader::missing(std::string_view key) {
    if (ok_)
        fail(key, "required, but missing");
}

} // namespace meshdeck::protocol
