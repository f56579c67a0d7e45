#include "core/cloudevents.h"

#include "core/envelope_json.h"
#include "core/json_input.h"
#include "core/json_path.h"
#include "core/percent_encoding.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace meshdeck {

using nlohmann::ordered_json;

namespace {

constexpr std::string_view kSchemaUriPrefix = "urn:meshdeck:schema:";

// CloudEvents attribute -> canonical field, for the attributes that map 1:1.
struct AttributeMapping {
    std::string_view attribute;
    std::string_view field;
};
constexpr std::array<AttributeMapping, 8> kDirectAttributes = {{
    {"id", "event_id"},
    {"type", "event_type"},
    {"source", "producer"},
    {"time", "occurred_at"},
    {"tenantid", "tenant_id"},
    {"correlationid", "correlation_id"},
    {"causationid", "causation_id"},
    {"traceparent", "traceparent"},
}};

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "application/json", "application/json; charset=utf-8", "application/x+json".
bool isJsonMediaType(std::string_view mediaType) {
    std::string type = lowerAscii(mediaType.substr(0, mediaType.find(';')));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.pop_back();
    return type == "application/json" || type.ends_with("+json");
}

bool isDigits(std::string_view text) {
    return !text.empty() && text.size() <= 18 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "urn:meshdeck:schema:LeadScored:2" -> {"LeadScored", 2}.
std::optional<std::pair<std::string_view, int>> parseSchemaUri(std::string_view uri) {
    constexpr int kMaxVersion = 1'000'000;
    if (!uri.starts_with(kSchemaUriPrefix))
        return std::nullopt;
    uri.remove_prefix(kSchemaUriPrefix.size());
    const auto colon = uri.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || !isDigits(uri.substr(colon + 1)))
        return std::nullopt;
    const long long version = std::stoll(std::string(uri.substr(colon + 1)));
    if (version < 1 || version > kMaxVersion)
        return std::nullopt;
    return std::pair{uri.substr(0, colon), static_cast<int>(version)};
}

// The CloudEvents HTTP binding percent-encodes header values outside printable
// ASCII, and space, '"' and '%'.
bool keepInHeader(unsigned char c) {
    return c > 0x20 && c < 0x7F && c != '"' && c != '%';
}

std::string encodeHeaderValue(std::string_view text) {
    return percentEncode(text, keepInHeader);
}

// Where one CloudEvent's attributes and data came from, so each violation names
// the attribute, header or data member the producer wrote.
struct CloudEventInput {
    ordered_json attributes = ordered_json::object();
    const ordered_json* data = nullptr; // nullptr when the event carries none
    bool hasBase64Data = false;
    std::function<std::string(std::string_view attribute)> locateAttribute;
    std::function<std::string(std::string_view pointerInData)> locateData;
    std::string mediaTypeAttribute = "datacontenttype";
};

// Splits "lead:L-1042" / "lead/L-1042" at the first separator.
std::optional<EntityRef> splitEntity(const ordered_json& value, char separator) {
    if (!value.is_string())
        return std::nullopt;
    const auto& text = value.get_ref<const std::string&>();
    const auto at = text.find(separator);
    if (at == std::string::npos || at == 0 || at + 1 == text.size())
        return std::nullopt;
    return EntityRef{text.substr(0, at), text.substr(at + 1), std::nullopt};
}

ParsedEvent fromCloudEvent(const CloudEventInput& input, const EnvelopeOptions& options) {
    const ordered_json& attrs = input.attributes;
    const auto attribute = [&attrs](std::string_view name) -> const ordered_json* {
        const auto it = attrs.find(name);
        return it == attrs.end() || it->is_null() ? nullptr : &*it;
    };
    Violations violations;
    const auto report = [&](std::string_view name, std::string message) {
        violations.push_back({input.locateAttribute(name), std::move(message)});
    };

    const ordered_json* specversion = attribute("specversion");
    if (!specversion)
        report("specversion", "missing; expected \"1.0\"");
    else if (*specversion != "1.0")
        report("specversion",
               "expected \"1.0\" (CloudEvents 1.0), got " + jsonpath::describeValue(*specversion));

    // A canonical envelope built from the attributes; the envelope checks
    // then report each problem at the attribute it came from. Where this
    // function has already reported a problem, the canonical object gets a
    // valid stand-in so the same problem is not reported twice.
    ordered_json canonical = ordered_json::object();
    for (const auto& [name, field] : kDirectAttributes) {
        if (const ordered_json* value = attribute(name))
            canonical[std::string(field)] = *value;
    }
    if (!attribute("id")) {
        report("id", "missing; expected " + std::string(detail::kUuidExpectation));
        canonical["event_id"] = "00000000-0000-7000-8000-000000000000";
    }

    // The entity: partitionkey "kind:id" wins; subject "kind/id" otherwise.
    std::string entityAttribute = "partitionkey";
    ordered_json entity = {{"kind", "stand-in"}, {"id", "stand-in"}};
    const ordered_json* partitionKey = attribute("partitionkey");
    const ordered_json* subject = attribute("subject");
    const auto subjectEntity = subject ? splitEntity(*subject, '/') : std::nullopt;
    if (partitionKey) {
        if (auto fromKey = splitEntity(*partitionKey, ':')) {
            entity = {{"kind", fromKey->kind}, {"id", fromKey->id}};
            if (subjectEntity &&
                (subjectEntity->kind != fromKey->kind || subjectEntity->id != fromKey->id))
                report("subject", "names entity " + jsonpath::quote(subject->get<std::string>()) +
                                      " but partitionkey names " +
                                      jsonpath::quote(partitionKey->get<std::string>()) +
                                      "; expected both to name the same entity");
        } else {
            report("partitionkey", "expected \"kind:id\" such as \"lead:L-1042\", got " +
                                       jsonpath::describeValue(*partitionKey));
        }
    } else if (subject) {
        entityAttribute = "subject";
        if (subjectEntity)
            entity = {{"kind", subjectEntity->kind}, {"id", subjectEntity->id}};
        else
            report("subject", "expected \"kind/id\" such as \"lead/L-1042\" (or a partitionkey "
                              "\"kind:id\"), got " +
                                  jsonpath::describeValue(*subject));
    } else {
        report("partitionkey", "missing; expected partitionkey \"kind:id\" (such as "
                               "\"lead:L-1042\") or subject \"kind/id\" naming the entity");
    }
    if (const ordered_json* sequence = attribute("sequence")) {
        if (sequence->is_string() && isDigits(sequence->get_ref<const std::string&>()))
            entity["version"] = std::stoll(sequence->get<std::string>());
        else if (sequence->is_number_integer())
            entity["version"] = *sequence;
        else
            report("sequence", "expected an entity version: an integer >= 0, sent as a string "
                               "of digits such as \"7\", got " +
                                   jsonpath::describeValue(*sequence));
    }
    canonical["entity"] = std::move(entity);

    if (const ordered_json* dataschema = attribute("dataschema")) {
        const std::string expectation =
            "expected \"" + std::string(kSchemaUriPrefix) + "<type>:<version>\" such as \"" +
            schemaUri("LeadScored", 1) + "\", got " + jsonpath::describeValue(*dataschema);
        const auto parsedUri = dataschema->is_string()
                                   ? parseSchemaUri(dataschema->get_ref<const std::string&>())
                                   : std::nullopt;
        const ordered_json* type = attribute("type");
        if (!parsedUri)
            report("dataschema", expectation);
        else if (type && type->is_string() && *type != parsedUri->first)
            report("dataschema", "names event type " + jsonpath::quote(parsedUri->first) +
                                     " but type is " + jsonpath::describeValue(*type) +
                                     "; expected the schema of the event's own type");
        else
            canonical["schema_version"] = parsedUri->second;
    }

    if (const ordered_json* mediaType = attribute(input.mediaTypeAttribute)) {
        if (!mediaType->is_string() || !isJsonMediaType(mediaType->get<std::string>()))
            report(input.mediaTypeAttribute,
                   "expected a JSON media type such as \"application/json\" (meshdeck events "
                   "carry a JSON object), got " +
                       jsonpath::describeValue(*mediaType));
    }

    if (input.hasBase64Data) {
        violations.push_back({input.locateAttribute("data_base64"),
                              "binary data is not supported; expected a JSON object in \"data\""});
        canonical["payload"] = ordered_json::object();
    } else if (input.data) {
        canonical["payload"] = *input.data;
    }

    const auto locate = [&](std::string_view canonicalPath) -> std::string {
        if (canonicalPath.starts_with("/payload"))
            return input.locateData(canonicalPath.substr(8));
        if (canonicalPath == "/entity/version")
            return input.locateAttribute("sequence");
        if (canonicalPath.starts_with("/entity"))
            return input.locateAttribute(entityAttribute);
        if (canonicalPath == "/schema_version")
            return input.locateAttribute("dataschema");
        for (const auto& [name, field] : kDirectAttributes) {
            if (canonicalPath.substr(1) == field)
                return input.locateAttribute(name);
        }
        return input.locateAttribute("");
    };
    EnvelopeOptions envelopeOptions = options;
    envelopeOptions.allowMissingEventId = false;
    ParsedEvent parsed = detail::eventFromJson(canonical, envelopeOptions, locate);
    if (!violations.empty()) {
        violations.insert(violations.end(), parsed.violations.begin(), parsed.violations.end());
        parsed.violations = std::move(violations);
        parsed.event.reset();
    }
    parsed.hasEventId = attribute("id") != nullptr;
    return parsed;
}

ParsedEvent fromStructured(const ordered_json& value, const EnvelopeOptions& options) {
    const std::string& prefix = options.pathPrefix;
    ParsedEvent parsed;
    if (!value.is_object()) {
        parsed.violations.push_back(
            {prefix, "expected a CloudEvent object, got " + jsonpath::describeValue(value)});
        return parsed;
    }
    CloudEventInput input;
    for (const auto& [name, attributeValue] : value.items()) {
        if (name == "data")
            input.data = &attributeValue;
        else if (name == "data_base64")
            input.hasBase64Data = true;
        else
            input.attributes[name] = attributeValue;
    }
    input.locateAttribute = [&prefix](std::string_view name) {
        return name.empty() ? prefix : jsonpath::append(prefix, name);
    };
    input.locateData = [&prefix](std::string_view pointer) {
        return prefix + "/data" + std::string(pointer);
    };
    return fromCloudEvent(input, options);
}

void appendMember(std::string& out, std::string_view name, std::string_view jsonValue) {
    if (out.size() > 1)
        out += ',';
    out += detail::jsonString(name);
    out += ':';
    out += jsonValue;
}

} // namespace

std::string schemaUri(std::string_view eventType, int version) {
    return std::string(kSchemaUriPrefix) + std::string(eventType) + ':' + std::to_string(version);
}

ParsedEvent parseCloudEventStructured(std::string_view json, const EnvelopeOptions& options) {
    ordered_json value;
    if (std::string error; !json_input::parse(json, value, error)) {
        ParsedEvent parsed;
        parsed.violations.push_back({options.pathPrefix, std::move(error)});
        return parsed;
    }
    return fromStructured(value, options);
}

ParsedBatch parseCloudEventBatch(std::string_view json, const EnvelopeOptions& options) {
    ParsedBatch batch;
    ordered_json value;
    if (std::string error; !json_input::parse(json, value, error)) {
        batch.bodyViolations.push_back({"", json_input::about("the body", error)});
        return batch;
    }
    if (!value.is_array()) {
        batch.bodyViolations.push_back({"", "expected a JSON array of CloudEvents (" +
                                                std::string(kCloudEventsBatchJson) + "), got " +
                                                jsonpath::describeValue(value)});
        return batch;
    }
    batch.wasArray = true;
    if (value.empty()) {
        batch.bodyViolations.push_back({"", "expected at least one event, got an empty array"});
        return batch;
    }
    EnvelopeOptions elementOptions = options;
    for (std::size_t i = 0; i < value.size(); ++i) {
        elementOptions.pathPrefix = jsonpath::append(options.pathPrefix, i);
        batch.events.push_back(fromStructured(value[i], elementOptions));
    }
    return batch;
}

bool isCloudEventBinary(const HeaderMap& headers) {
    return std::any_of(headers.begin(), headers.end(), [](const auto& header) {
        return lowerAscii(header.first) == "ce-specversion";
    });
}

ParsedEvent parseCloudEventBinary(const HeaderMap& headers, std::string_view body,
                                  const EnvelopeOptions& options) {
    CloudEventInput input;
    input.mediaTypeAttribute = "content-type";
    std::string traceparentHeader;
    Violations notText;
    for (const auto& [rawName, value] : headers) {
        const std::string name = lowerAscii(rawName);
        if (name.starts_with("ce-") && name.size() > 3) {
            std::string decoded = percentDecode(value);
            if (!isValidUtf8(decoded)) {
                notText.push_back({"header " + name, "not UTF-8 text once percent-decoded; "
                                                     "percent-encode the UTF-8 bytes of each "
                                                     "character that is not ASCII"});
                continue;
            }
            input.attributes[name.substr(3)] = std::move(decoded);
        } else if (name == "content-type")
            input.attributes["content-type"] = value;
        else if (name == "traceparent")
            traceparentHeader = value;
    }
    if (!notText.empty()) {
        ParsedEvent parsed;
        parsed.violations = std::move(notText);
        return parsed;
    }
    // W3C trace context travels in its own header too; use it when the event
    // has no ce-traceparent and the header is well formed.
    if (!input.attributes.contains("traceparent") && detail::isTraceparent(traceparentHeader))
        input.attributes["traceparent"] = traceparentHeader;

    const std::string& prefix = options.pathPrefix;
    input.locateAttribute = [&prefix](std::string_view name) {
        if (name.empty())
            return prefix;
        if (name == "content-type")
            return std::string("header content-type");
        return "header ce-" + std::string(name);
    };
    input.locateData = [&prefix](std::string_view pointer) {
        return prefix + std::string(pointer);
    };

    ordered_json data;
    if (std::string error; !json_input::parse(body, data, error)) {
        ParsedEvent parsed = fromCloudEvent(input, options);
        parsed.event.reset();
        // The envelope reported missing data at the body; replace that with why.
        const auto missingData =
            std::find_if(parsed.violations.begin(), parsed.violations.end(),
                         [&prefix](const Violation& v) { return v.path == prefix; });
        const Violation notJson{prefix, json_input::about("the body (the event's data)", error)};
        if (missingData != parsed.violations.end())
            *missingData = notJson;
        else
            parsed.violations.push_back(notJson);
        return parsed;
    }
    input.data = &data;
    return fromCloudEvent(input, options);
}

std::string toCloudEventStructured(const Event& event, CloudEventData data) {
    std::string out = "{";
    appendMember(out, "specversion", "\"1.0\"");
    appendMember(out, "id", detail::jsonString(event.eventId));
    appendMember(out, "source", detail::jsonString(event.producer));
    appendMember(out, "type", detail::jsonString(event.eventType));
    appendMember(out, "time", '"' + formatRfc3339(event.occurredAt) + '"');
    appendMember(out, "subject", detail::jsonString(event.entity.kind + '/' + event.entity.id));
    appendMember(out, "datacontenttype", "\"application/json\"");
    if (data == CloudEventData::Payload)
        appendMember(out, "dataschema",
                     detail::jsonString(schemaUri(event.eventType, event.schemaVersion)));
    appendMember(out, "partitionkey", detail::jsonString(event.entity.key()));
    if (event.entity.version)
        appendMember(out, "sequence", detail::jsonString(std::to_string(*event.entity.version)));
    appendMember(out, "tenantid", detail::jsonString(event.tenantId));
    if (!event.correlationId.empty())
        appendMember(out, "correlationid", detail::jsonString(event.correlationId));
    if (!event.causationId.empty())
        appendMember(out, "causationid", detail::jsonString(event.causationId));
    if (!event.traceparent.empty())
        appendMember(out, "traceparent", detail::jsonString(event.traceparent));
    // The payload is stored JSON text: written as is, never re-encoded.
    appendMember(out, "data", event.payload.empty() ? std::string_view("{}") : event.payload);
    out += '}';
    return out;
}

std::string toCloudEventBatch(const std::vector<Event>& events) {
    return detail::jsonArrayOf(events,
                               [](const Event& event) { return toCloudEventStructured(event); });
}

std::pair<HeaderMap, std::string> toCloudEventBinary(const Event& event) {
    return {toCloudEventHeaders(event), event.payload.empty() ? std::string("{}") : event.payload};
}

HeaderMap toCloudEventHeaders(const Event& event, CloudEventData data) {
    HeaderMap headers;
    headers["ce-specversion"] = "1.0";
    headers["ce-id"] = encodeHeaderValue(event.eventId);
    headers["ce-source"] = encodeHeaderValue(event.producer);
    headers["ce-type"] = encodeHeaderValue(event.eventType);
    headers["ce-time"] = formatRfc3339(event.occurredAt);
    headers["ce-subject"] = encodeHeaderValue(event.entity.kind + '/' + event.entity.id);
    if (data == CloudEventData::Payload)
        headers["ce-dataschema"] = schemaUri(event.eventType, event.schemaVersion);
    headers["ce-partitionkey"] = encodeHeaderValue(event.entity.key());
    if (event.entity.version)
        headers["ce-sequence"] = std::to_string(*event.entity.version);
    headers["ce-tenantid"] = encodeHeaderValue(event.tenantId);
    if (!event.correlationId.empty())
        headers["ce-correlationid"] = encodeHeaderValue(event.correlationId);
    if (!event.causationId.empty())
        headers["ce-causationid"] = encodeHeaderValue(event.causationId);
    if (!event.traceparent.empty())
        headers["ce-traceparent"] = event.traceparent;
    headers["content-type"] = "application/json";
    return headers;
}

} // namespace meshdeck
