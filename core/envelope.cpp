#include "core/envelope.h"

#include "core/envelope_json.h"
#include "core/json_input.h"
#include "core/json_path.h"
#include "core/percent_encoding.h"
#include "core/schema_validation.h"
#include "core/uuid.h"

#include <algorithm>
#include <array>
#include <limits>

namespace meshdeck {

using nlohmann::ordered_json;

namespace detail {

namespace {

// The fields a producer writes, in DESIGN.md order.
constexpr std::array<std::string_view, 11> kEnvelopeFields = {
    "event_id",       "event_type",   "schema_version", "occurred_at", "producer", "tenant_id",
    "correlation_id", "causation_id", "traceparent",    "entity",      "payload"};
// Assigned by the broker: accepted in input (a consumer may republish what it
// received) but ignored.
constexpr std::array<std::string_view, 2> kBrokerFields = {"seq", "ingested_at"};
constexpr std::array<std::string_view, 3> kEntityFields = {"kind", "id", "version"};

static_assert(kMaxEventTypeLength == 96, "kEventTypeExpectation states the limit");
constexpr std::string_view kEventTypeExpectation =
    "an event type name in PascalCase (letters and digits, at most 96 characters) such as "
    "\"LeadQualified\"";
constexpr std::string_view kTimeExpectation =
    "an RFC 3339 date-time such as \"2026-11-27T09:14:03.120Z\"";
constexpr std::string_view kEntityKindExpectation =
    "an entity kind (a letter, then letters, digits, '_' or '-') such as \"lead\"";
constexpr std::string_view kTraceparentExpectation =
    "a W3C traceparent \"00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>\"";

bool isHex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool allZero(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

template <std::size_t N> std::string joined(const std::array<std::string_view, N>& fields) {
    std::string out;
    for (std::string_view field : fields) {
        if (!out.empty())
            out += ", ";
        out += field;
    }
    return out;
}

std::optional<std::int64_t> integerValue(const ordered_json& value) {
    if (value.is_number_unsigned()) {
        const auto unsignedValue = value.get<std::uint64_t>();
        if (unsignedValue > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
        return static_cast<std::int64_t>(unsignedValue);
    }
    if (value.is_number_integer())
        return value.get<std::int64_t>();
    // JSON Schema counts 7.0 as an integer; so do we.
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (d >= -9.0e15 && d <= 9.0e15 && d == static_cast<double>(static_cast<std::int64_t>(d)))
            return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

// Collects every violation of one envelope object.
class EnvelopeReader {
public:
    EnvelopeReader(const ordered_json& object, Violations& violations, const FieldLocator& locate)
        : object_(object), violations_(violations), locate_(locate) {}

    void report(std::string_view canonicalPath, std::string message) {
        violations_.push_back({locate_(canonicalPath), std::move(message)});
    }

    void expected(std::string_view path, std::string_view expectation, const ordered_json& got) {
        report(path,
               "expected " + std::string(expectation) + ", got " + jsonpath::describeValue(got));
    }

    void missing(std::string_view path, std::string_view expectation) {
        report(path, "missing; expected " + std::string(expectation));
    }

    // The field, or nullptr when absent. Optional fields treat null as absent.
    static const ordered_json* member(const ordered_json& object, std::string_view name,
                                      bool nullIsAbsent) {
        const auto it = object.find(name);
        if (it == object.end() || (nullIsAbsent && it->is_null()))
            return nullptr;
        return &*it;
    }

    // A string field with a length limit; nullopt after reporting what is wrong.
    std::optional<std::string> text(const ordered_json& object, std::string_view name,
                                    std::string_view path, bool required,
                                    std::string_view expectation,
                                    std::size_t maxLength = kMaxIdLength) {
        const ordered_json* value = member(object, name, !required);
        if (!value) {
            if (required)
                missing(path, expectation);
            return std::nullopt;
        }
        if (!value->is_string() || (required && value->get_ref<const std::string&>().empty())) {
            expected(path, expectation, *value);
            return std::nullopt;
        }
        const auto& s = value->get_ref<const std::string&>();
        if (s.size() > maxLength) {
            report(path, "expected at most " + std::to_string(maxLength) + " characters, got " +
                             std::to_string(s.size()));
            return std::nullopt;
        }
        return s;
    }

    void read(Event& event, bool allowMissingEventId, bool& hasEventId) {
        for (const auto& [key, value] : object_.items()) {
            if (!contains(kEnvelopeFields, key) && !contains(kBrokerFields, key))
                report(jsonpath::append("", key),
                       "unknown field; the envelope's fields are " + joined(kEnvelopeFields));
        }

        readEventId(event, allowMissingEventId, hasEventId);

        if (auto type = text(object_, "event_type", "/event_type", true, kEventTypeExpectation,
                             std::numeric_limits<std::size_t>::max())) {
            if (isEventTypeName(*type))
                event.eventType = *type;
            else
                expected("/event_type", kEventTypeExpectation, object_["event_type"]);
        }

        if (const ordered_json* version = member(object_, "schema_version", true)) {
            const auto number = integerValue(*version);
            if (number && *number >= 1 && *number <= std::numeric_limits<int>::max()) {
                event.schemaVersion = static_cast<int>(*number);
            } else {
                schemaVersionValid_ = false;
                expected("/schema_version", "an integer >= 1", *version);
            }
        }

        if (auto when = text(object_, "occurred_at", "/occurred_at", true, kTimeExpectation, 64)) {
            if (auto parsed = parseRfc3339(*when))
                event.occurredAt = *parsed;
            else
                expected("/occurred_at", kTimeExpectation, object_["occurred_at"]);
        }

        if (auto producer = text(object_, "producer", "/producer", true,
                                 "a non-empty string naming the producing system, such as "
                                 "\"hubspot\""))
            event.producer = *producer;
        if (auto tenant = text(object_, "tenant_id", "/tenant_id", true,
                               "a non-empty tenant id such as \"acme\""))
            event.tenantId = *tenant;
        if (auto correlation =
                text(object_, "correlation_id", "/correlation_id", false, "a string"))
            event.correlationId = *correlation;
        if (auto causation = text(object_, "causation_id", "/causation_id", false, "a string"))
            event.causationId = *causation;
        if (auto trace =
                text(object_, "traceparent", "/traceparent", false, kTraceparentExpectation, 55)) {
            if (trace->empty() || isTraceparent(*trace))
                event.traceparent = *trace;
            else
                expected("/traceparent", kTraceparentExpectation, object_["traceparent"]);
        }

        readEntity(event.entity);
        readPayload(event.payload);
    }

private:
    void readEventId(Event& event, bool allowMissingEventId, bool& hasEventId) {
        const ordered_json* id = member(object_, "event_id", true);
        if (!id) {
            if (!allowMissingEventId)
                missing("/event_id", kUuidExpectation);
            return;
        }
        hasEventId = true;
        if (!id->is_string()) {
            expected("/event_id", kUuidExpectation, *id);
            return;
        }
        // Producers spell UUIDs in either case; the idempotency key is one spelling.
        std::string lower = id->get<std::string>();
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return c >= 'A' && c <= 'F' ? char(c - 'A' + 'a') : c; });
        if (isUuid(lower))
            event.eventId = std::move(lower);
        else
            expected("/event_id", kUuidExpectation, *id);
    }

    void readEntity(EntityRef& entity) {
        constexpr std::string_view expectation =
            "an object with \"kind\" and \"id\", such as {\"kind\":\"lead\",\"id\":\"L-1042\"}";
        const ordered_json* value = member(object_, "entity", false);
        if (!value) {
            missing("/entity", expectation);
            return;
        }
        if (!value->is_object()) {
            expected("/entity", expectation, *value);
            return;
        }
        for (const auto& [key, unused] : value->items()) {
            if (!contains(kEntityFields, key))
                report(jsonpath::append("/entity", key),
                       "unknown field; the entity's fields are kind, id, version");
        }
        if (auto kind = text(*value, "kind", "/entity/kind", true, kEntityKindExpectation)) {
            if (isEntityKind(*kind))
                entity.kind = *kind;
            else
                expected("/entity/kind", kEntityKindExpectation, (*value)["kind"]);
        }
        if (auto id =
                text(*value, "id", "/entity/id", true, "a non-empty entity id such as \"L-1042\""))
            entity.id = *id;
        if (const ordered_json* version = member(*value, "version", true)) {
            const auto number = integerValue(*version);
            if (number && *number >= 0)
                entity.version = *number;
            else
                expected("/entity/version", "an integer >= 0", *version);
        }
    }

    void readPayload(std::string& payload) {
        const ordered_json* value = member(object_, "payload", false);
        if (!value) {
            missing("/payload", "a JSON object");
            return;
        }
        if (!value->is_object()) {
            expected("/payload", "a JSON object", *value);
            return;
        }
        payload = value->dump(-1, ' ', false, ordered_json::error_handler_t::replace);
        payloadDocument_ = value;
    }

public:
    // The payload object when it was readable; its schema can be checked.
    const ordered_json* payloadDocument() const { return payloadDocument_; }
    bool schemaVersionValid() const { return schemaVersionValid_; }

private:
    const ordered_json* payloadDocument_ = nullptr;
    bool schemaVersionValid_ = true;

    const ordered_json& object_;
    Violations& violations_;
    const FieldLocator& locate_;
};

} // namespace

bool isEventTypeName(std::string_view text) {
    if (text.empty() || text.size() > kMaxEventTypeLength || text.front() < 'A' ||
        text.front() > 'Z')
        return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
}

bool isEntityKind(std::string_view text) {
    if (text.empty() || text.size() > kMaxIdLength)
        return false;
    const auto isLetter = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    };
    if (!isLetter(text.front()))
        return false;
    return std::all_of(text.begin(), text.end(), [&](char c) {
        return isLetter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool isTraceparent(std::string_view text) {
    if (text.size() != 55 || text.substr(0, 3) != "00-" || text[35] != '-' || text[52] != '-')
        return false;
    const std::string_view traceId = text.substr(3, 32);
    const std::string_view parentId = text.substr(36, 16);
    const std::string_view flags = text.substr(53, 2);
    return isHex(traceId) && isHex(parentId) && isHex(flags) && !allZero(traceId) &&
           !allZero(parentId);
}

std::string parseErrorMessage(const nlohmann::json::exception& error) {
    std::string_view what = error.what();
    if (what.starts_with("[json.exception.")) {
        const auto close = what.find("] ");
        if (close != std::string_view::npos)
            what.remove_prefix(close + 2);
    }
    return std::string(what);
}

ParsedEvent eventFromJson(const ordered_json& value, const EnvelopeOptions& options,
                          const FieldLocator& locate) {
    const FieldLocator byPrefix = [&options](std::string_view path) {
        return options.pathPrefix + std::string(path);
    };
    const FieldLocator& where = locate ? locate : byPrefix;

    ParsedEvent parsed;
    if (!value.is_object()) {
        parsed.violations.push_back(
            {where(""), "expected an event object, got " + jsonpath::describeValue(value)});
        return parsed;
    }
    Event event;
    EnvelopeReader reader(value, parsed.violations, where);
    reader.read(event, options.allowMissingEventId, parsed.hasEventId);
    // The payload against its schema, on the document in hand, whenever the
    // type, version and payload could be read - even if other envelope
    // fields are wrong, so every problem of an event is reported at once.
    if (options.registry && !event.eventType.empty() && reader.schemaVersionValid() &&
        reader.payloadDocument()) {
        const nlohmann::json payload(*reader.payloadDocument());
        for (auto& v : RegistryAccess::validateDocument(*options.registry, event.eventType,
                                                        event.schemaVersion, payload, "/payload"))
            parsed.violations.push_back({where(v.path), std::move(v.message)});
    }
    if (parsed.violations.empty())
        parsed.event = std::move(event);
    else
        parsed.draft = std::move(event);
    return parsed;
}

} // namespace detail

std::string jsonString(std::string_view text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ParsedEvent checkEvent(const Event& event, const nlohmann::json& payload,
                       const EnvelopeOptions& options) {
    ParsedEvent notText;
    const auto text = [&](std::string_view path, const std::string& value) {
        if (!isValidUtf8(value))
            notText.violations.push_back(
                {options.pathPrefix + std::string(path), "expected UTF-8 text, got other bytes"});
        return value;
    };
    ordered_json entity = {{"kind", text("/entity/kind", event.entity.kind)},
                           {"id", text("/entity/id", event.entity.id)}};
    if (event.entity.version)
        entity["version"] = *event.entity.version;
    ordered_json value = ordered_json::object();
    if (!event.eventId.empty())
        value["event_id"] = text("/event_id", event.eventId);
    value["event_type"] = text("/event_type", event.eventType);
    value["schema_version"] = event.schemaVersion;
    value["occurred_at"] = formatRfc3339(event.occurredAt);
    value["producer"] = text("/producer", event.producer);
    value["tenant_id"] = text("/tenant_id", event.tenantId);
    if (!event.correlationId.empty())
        value["correlation_id"] = text("/correlation_id", event.correlationId);
    if (!event.causationId.empty())
        value["causation_id"] = text("/causation_id", event.causationId);
    if (!event.traceparent.empty())
        value["traceparent"] = text("/traceparent", event.traceparent);
    if (!notText.violations.empty()) {
        notText.draft = event;
        return notText;
    }
    value["entity"] = std::move(entity);
    value["payload"] = ordered_json(payload);
    return detail::eventFromJson(value, options);
}

ParsedEvent parseEvent(std::string_view json, const EnvelopeOptions& options) {
    ordered_json value;
    if (std::string error; !json_input::parse(json, value, error)) {
        ParsedEvent parsed;
        parsed.violations.push_back({options.pathPrefix, std::move(error)});
        return parsed;
    }
    return detail::eventFromJson(value, options);
}

ParsedBatch parseEventBatch(std::string_view json, const EnvelopeOptions& options) {
    ParsedBatch batch;
    ordered_json value;
    if (std::string error; !json_input::parse(json, value, error)) {
        batch.bodyViolations.push_back({"", json_input::about("the body", error)});
        return batch;
    }
    if (value.is_object()) {
        batch.events.push_back(detail::eventFromJson(value, options));
        return batch;
    }
    if (!value.is_array()) {
        batch.bodyViolations.push_back({"", "expected an event object or an array of events, got " +
                                                jsonpath::describeValue(value)});
        return batch;
    }
    batch.wasArray = true;
    if (value.empty()) {
        batch.bodyViolations.push_back({"", "expected at least one event, got an empty array"});
        return batch;
    }
    batch.events.reserve(value.size());
    EnvelopeOptions elementOptions = options;
    for (std::size_t i = 0; i < value.size(); ++i) {
        elementOptions.pathPrefix = jsonpath::append(options.pathPrefix, i);
        batch.events.push_back(detail::eventFromJson(value[i], elementOptions));
    }
    return batch;
}

std::string serializeEvent(const Event& event) {
    using detail::jsonString;
    std::string out;
    out.reserve(256 + event.payload.size());
    out += '{';
    if (!event.eventId.empty()) {
        out += "\"event_id\":" + jsonString(event.eventId);
        out += ',';
    }
    out += "\"event_type\":" + jsonString(event.eventType);
    out += ",\"schema_version\":" + std::to_string(event.schemaVersion);
    out += ",\"occurred_at\":\"" + formatRfc3339(event.occurredAt) + '"';
    out += ",\"producer\":" + jsonString(event.producer);
    out += ",\"tenant_id\":" + jsonString(event.tenantId);
    if (!event.correlationId.empty())
        out += ",\"correlation_id\":" + jsonString(event.correlationId);
    if (!event.causationId.empty())
        out += ",\"causation_id\":" + jsonString(event.causationId);
    if (!event.traceparent.empty())
        out += ",\"traceparent\":" + jsonString(event.traceparent);
    out += ",\"entity\":{\"kind\":" + jsonString(event.entity.kind);
    out += ",\"id\":" + jsonString(event.entity.id);
    if (event.entity.version)
        out += ",\"version\":" + std::to_string(*event.entity.version);
    out += "},\"payload\":";
    // The payload is stored JSON text: written as is, never re-encoded.
    out += event.payload.empty() ? std::string_view("{}") : std::string_view(event.payload);
    if (event.seq > 0) {
        out += ",\"seq\":" + std::to_string(event.seq);
        out += ",\"ingested_at\":\"" + formatRfc3339(event.ingestedAt) + '"';
    }
    out += '}';
    return out;
}

std::string serializeEvents(const std::vector<Event>& events) {
    return detail::jsonArrayOf(events, serializeEvent);
}

} // namespace meshdeck
