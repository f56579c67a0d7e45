#include "core/consumer_spec.h"

#include "core/envelope.h"
#include "core/json_input.h"
#include "core/word_table.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace meshdeck {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr WordTable<SinkKind, 3> kSinkKinds{{
    {SinkKind::Webhook, "webhook"},
    {SinkKind::WebSocket, "websocket"},
    {SinkKind::None, "none"},
}};

constexpr WordTable<OutboundFormat, 2> kFormats{{
    {OutboundFormat::Canonical, "canonical"},
    {OutboundFormat::CloudEvents, "cloudevents"},
}};

constexpr WordTable<CloudEventsMode, 2> kCloudEventsModes{{
    {CloudEventsMode::Structured, "structured"},
    {CloudEventsMode::Binary, "binary"},
}};

std::string describeJson(const json& v) {
    std::string text = v.dump();
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    return text;
}

// Reads the fields of one JSON object, collecting violations with their paths
// and refusing keys it does not know (a typo in a config file must not pass
// silently).
class ObjectReader {
public:
    ObjectReader(const json& object, std::string path, Violations& out)
        : object_(object), path_(std::move(path)), out_(out) {}

    const json* field(const std::string& key) {
        seen_.push_back(key);
        auto it = object_.find(key);
        return it == object_.end() || it->is_null() ? nullptr : &*it;
    }
    std::string at(const std::string& key) const { return path_ + '/' + key; }
    void fail(const std::string& key, const std::string& message) {
        out_.push_back({at(key), message});
    }

    void text(const std::string& key, std::string& into, bool required = false) {
        const json* v = field(key);
        if (!v) {
            if (required)
                fail(key, "required; expected a string");
            return;
        }
        if (!v->is_string())
            return fail(key, "expected a string, got " + describeJson(*v));
        into = v->get<std::string>();
    }
    template <typename Int>
    void integer(const std::string& key, Int& into, std::int64_t min, std::int64_t max) {
        const json* v = field(key);
        if (!v)
            return;
        if (!v->is_number_integer() || v->get<std::int64_t>() < min || v->get<std::int64_t>() > max)
            return fail(key, "expected an integer from " + std::to_string(min) + " to " +
                                 std::to_string(max) + ", got " + describeJson(*v));
        into = static_cast<Int>(v->get<std::int64_t>());
    }
    void millis(const std::string& key, std::chrono::milliseconds& into, std::int64_t min,
                std::int64_t max) {
        std::int64_t ms = into.count();
        integer(key, ms, min, max);
        into = std::chrono::milliseconds(ms);
    }
    void seconds(const std::string& key, std::chrono::seconds& into, std::int64_t min,
                 std::int64_t max) {
        std::int64_t s = into.count();
        integer(key, s, min, max);
        into = std::chrono::seconds(s);
    }
    void number(const std::string& key, double& into, double min, double max) {
        const json* v = field(key);
        if (!v)
            return;
        if (!v->is_number() || v->get<double>() < min || v->get<double>() > max)
            return fail(key, "expected a number from " + describeJson(min) + " to " +
                                 describeJson(max) + ", got " + describeJson(*v));
        into = v->get<double>();
    }
    void boolean(const std::string& key, bool& into) {
        const json* v = field(key);
        if (!v)
            return;
        if (!v->is_boolean())
            return fail(key, "expected true or false, got " + describeJson(*v));
        into = v->get<bool>();
    }
    // Call last: every key the reader was not asked about is an error.
    void refuseUnknown() {
        for (const auto& [key, value] : object_.items())
            if (std::find(seen_.begin(), seen_.end(), key) == seen_.end())
                out_.push_back({at(key), "unknown field; expected one of " + known()});
    }

private:
    std::string known() const {
        std::string s;
        for (const auto& k : seen_)
            s += (s.empty() ? "" : ", ") + k;
        return s;
    }
    const json& object_;
    std::string path_;
    Violations& out_;
    std::vector<std::string> seen_;
};

bool validName(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

constexpr std::pair<std::string_view, FieldCondition::Op> kOps[] = {
    {"==", FieldCondition::Op::Equal},      {"!=", FieldCondition::Op::NotEqual},
    {">", FieldCondition::Op::Greater},     {">=", FieldCondition::Op::GreaterOrEqual},
    {"<", FieldCondition::Op::Less},        {"<=", FieldCondition::Op::LessOrEqual},
    {"exists", FieldCondition::Op::Exists}, {"in", FieldCondition::Op::In},
};

std::string_view opName(FieldCondition::Op op) {
    for (const auto& [name, value] : kOps)
        if (value == op)
            return name;
    return "==";
}

void readFilter(const json& j, const std::string& path, ConsumerFilter& f, Violations& out) {
    if (!j.is_object())
        return out.push_back({path, "expected an object, got " + describeJson(j)});
    ObjectReader r(j, path, out);
    if (const json* types = r.field("event_types")) {
        if (!types->is_array())
            r.fail("event_types",
                   "expected an array of event type names, got " + describeJson(*types));
        else
            for (std::size_t i = 0; i < types->size(); ++i) {
                if (!(*types)[i].is_string() || (*types)[i].get<std::string>().empty())
                    out.push_back(
                        {r.at("event_types") + '/' + std::to_string(i),
                         "expected an event type name, got " + describeJson((*types)[i])});
                else
                    f.eventTypes.push_back((*types)[i].get<std::string>());
            }
    }
    std::string tenant;
    r.text("tenant", tenant);
    if (!tenant.empty() && tenant != "*")
        f.tenant = tenant;
    if (const json* where = r.field("where")) {
        if (!where->is_array())
            r.fail("where", "expected an array of conditions such as "
                            "{\"field\": \"/payload/score\", \"op\": \">=\", \"value\": 80}");
        else
            for (std::size_t i = 0; i < where->size(); ++i) {
                const std::string at = r.at("where") + '/' + std::to_string(i);
                const json& c = (*where)[i];
                if (!c.is_object()) {
                    out.push_back({at, "expected an object, got " + describeJson(c)});
                    continue;
                }
                ObjectReader cr(c, at, out);
                FieldCondition cond;
                cr.text("field", cond.field, true);
                if (!cond.field.empty() && cond.field.front() != '/')
                    cr.fail("field", "expected a JSON Pointer into the event such as "
                                     "/payload/score, got \"" +
                                         cond.field + '"');
                std::string op = "==";
                cr.text("op", op);
                auto known = std::find_if(std::begin(kOps), std::end(kOps),
                                          [&](const auto& o) { return o.first == op; });
                if (known == std::end(kOps))
                    cr.fail("op",
                            "expected one of ==, !=, >, >=, <, <=, exists, in; got \"" + op + '"');
                else
                    cond.op = known->second;
                const json* value = cr.field("value");
                if (!value && cond.op != FieldCondition::Op::Exists)
                    cr.fail("value", "required for op " + op);
                else if (value && cond.op == FieldCondition::Op::In && !value->is_array())
                    cr.fail("value", "op in needs an array, got " + describeJson(*value));
                else if (value)
                    cond.valueJson = value->dump();
                cr.refuseUnknown();
                f.where.push_back(std::move(cond));
            }
    }
    r.refuseUnknown();
}

// "format" and "cloudevents_mode". `kind` is unset when the sink's type was
// not understood; its format is then not judged against it.
void readFormat(ObjectReader& r, std::optional<SinkKind> kind, SinkSpec& s) {
    std::string format(toString(s.format));
    r.text("format", format);
    const auto knownFormat = valueOf(kFormats, format);
    if (knownFormat)
        s.format = *knownFormat;
    else
        r.fail("format", "expected canonical or cloudevents; got \"" + format + '"');
    if (s.format == OutboundFormat::CloudEvents && kind && *kind != SinkKind::Webhook)
        r.fail("format", *kind == SinkKind::WebSocket
                             ? "only webhook sinks send CloudEvents; a websocket sink's "
                               "subscribers receive the canonical event, so leave format out"
                             : "only webhook sinks send CloudEvents; a none sink sends nothing, "
                               "so leave format out");

    const json* mode = r.field("cloudevents_mode");
    if (!mode)
        return;
    const auto knownMode =
        mode->is_string() ? valueOf(kCloudEventsModes, mode->get<std::string>()) : std::nullopt;
    if (!knownMode)
        return r.fail("cloudevents_mode",
                      "expected structured or binary; got " + describeJson(*mode));
    if (knownFormat && s.format != OutboundFormat::CloudEvents)
        return r.fail("cloudevents_mode",
                      "applies only with \"format\": \"cloudevents\"; add that, or leave "
                      "cloudevents_mode out to send the canonical event");
    s.cloudEventsMode = *knownMode;
}

void readSink(const json& j, const std::string& path, SinkSpec& s, Violations& out) {
    if (!j.is_object())
        return out.push_back({path, "expected an object, got " + describeJson(j)});
    ObjectReader r(j, path, out);
    std::string type;
    r.text("type", type, true);
    const auto kind = valueOf(kSinkKinds, type);
    if (kind)
        s.kind = *kind;
    else if (!type.empty())
        r.fail("type", "expected webhook, websocket or none; got \"" + type + '"');
    r.text("url", s.url, s.kind == SinkKind::Webhook);
    if (s.kind == SinkKind::Webhook && !s.url.empty() && s.url.rfind("http://", 0) != 0 &&
        s.url.rfind("https://", 0) != 0)
        r.fail("url", "expected an http:// or https:// URL, got \"" + s.url + '"');
    r.text("method", s.method);
    if (s.method != "POST" && s.method != "PUT" && s.method != "PATCH")
        r.fail("method", "expected POST, PUT or PATCH; got \"" + s.method + '"');
    if (const json* headers = r.field("headers")) {
        if (!headers->is_object())
            r.fail("headers", "expected an object of header names to strings");
        else
            for (const auto& [name, value] : headers->items()) {
                if (!value.is_string())
                    out.push_back({r.at("headers") + '/' + name,
                                   "expected a string, got " + describeJson(value)});
                else
                    s.headers.emplace_back(name, value.get<std::string>());
            }
    }
    r.millis("timeout_ms", s.timeout, 100, 600'000);
    r.text("secret", s.secret);
    r.millis("ack_timeout_ms", s.ackTimeout, 100, 3'600'000);
    readFormat(r, kind, s);
    r.refuseUnknown();
}

} // namespace

ParsedConsumer parseConsumerSpec(std::string_view text, std::string_view pathPrefix) {
    ParsedConsumer result;
    Violations& out = result.violations;
    const std::string base(pathPrefix);
    json j;
    if (std::string error; !json_input::parse(text, j, error)) {
        out.push_back({base, std::move(error)});
        return result;
    }
    if (!j.is_object()) {
        out.push_back({base, "expected a consumer object, got " + describeJson(j)});
        return result;
    }
    ConsumerSpec spec;
    ObjectReader r(j, base, out);
    r.text("name", spec.name, true);
    if (!spec.name.empty() && !validName(spec.name))
        r.fail("name",
               "expected 1 to 64 letters, digits, '.', '_' or '-', got \"" + spec.name + '"');
    r.text("description", spec.description);
    if (const json* f = r.field("filter"))
        readFilter(*f, r.at("filter"), spec.filter, out);
    if (const json* s = r.field("sink"))
        readSink(*s, r.at("sink"), spec.sink, out);
    else
        r.fail("sink", "required; e.g. {\"type\": \"webhook\", \"url\": "
                       "\"https://crm.example/hooks/meshdeck\"}");
    std::string ordering = "entity";
    r.text("ordering", ordering);
    if (ordering == "entity" || ordering == "none")
        spec.orderByEntity = ordering == "entity";
    else
        r.fail("ordering", "expected entity or none; got \"" + ordering + '"');
    if (const json* retry = r.field("retry")) {
        if (!retry->is_object())
            r.fail("retry", "expected an object, got " + describeJson(*retry));
        else {
            ObjectReader rr(*retry, r.at("retry"), out);
            rr.integer("max_attempts", spec.retry.maxAttempts, 1, 1000);
            rr.seconds("max_age_s", spec.retry.maxAge, 1, 30LL * 24 * 3600);
            rr.millis("base_ms", spec.retry.base, 1, 3'600'000);
            rr.millis("cap_ms", spec.retry.cap, 1, 24LL * 3'600'000);
            rr.number("jitter", spec.retry.jitter, 0, 1);
            rr.refuseUnknown();
            if (spec.retry.cap < spec.retry.base)
                rr.fail("cap_ms", "must be at least base_ms");
        }
    }
    if (const json* rate = r.field("rate_limit")) {
        if (!rate->is_object())
            r.fail("rate_limit", "expected an object, got " + describeJson(*rate));
        else {
            ObjectReader rr(*rate, r.at("rate_limit"), out);
            double perSecond = 0, perMinute = 0;
            rr.number("per_second", perSecond, 0, 1e6);
            rr.number("per_minute", perMinute, 0, 6e7);
            rr.number("burst", spec.rate.burst, 0, 1e6);
            rr.refuseUnknown();
            if (perSecond > 0 && perMinute > 0)
                rr.fail("per_minute", "give per_second or per_minute, not both");
            spec.rate.perSecond = perSecond > 0 ? perSecond : perMinute / 60.0;
        }
    }
    if (spec.rate.perSecond > 0 && spec.rate.burst <= 0)
        spec.rate.burst = std::max(1.0, spec.rate.perSecond);
    r.integer("max_concurrency", spec.maxConcurrency, 1, 1024);
    r.integer("max_pending", spec.maxPending, 10, 1'000'000);
    if (const json* cb = r.field("circuit_breaker")) {
        if (!cb->is_object())
            r.fail("circuit_breaker", "expected an object, got " + describeJson(*cb));
        else {
            ObjectReader cr(*cb, r.at("circuit_breaker"), out);
            cr.number("failure_ratio", spec.breaker.failureRatio, 0.01, 1);
            cr.integer("min_requests", spec.breaker.minRequests, 1, 100'000);
            cr.seconds("window_s", spec.breaker.window, 1, 3600);
            cr.millis("open_ms", spec.breaker.openFor, 10, 3'600'000);
            cr.integer("half_open_probes", spec.breaker.halfOpenProbes, 1, 1000);
            cr.refuseUnknown();
        }
    }
    std::string deadLetter = "continue";
    r.text("dead_letter", deadLetter);
    if (deadLetter == "continue")
        spec.deadLetter = DeadLetterPolicy::Continue;
    else if (deadLetter == "block")
        spec.deadLetter = DeadLetterPolicy::BlockEntity;
    else
        r.fail("dead_letter", "expected continue or block; got \"" + deadLetter + '"');
    r.millis("gap_timeout_ms", spec.gapTimeout, 0, 3'600'000);
    if (const json* mapping = r.field("mapping")) {
        if (!mapping->is_object())
            r.fail("mapping", "expected an object of output field names to JSON Pointers such "
                              "as {\"lead\": \"/payload/lead_id\"}");
        else
            for (const auto& [name, pointer] : mapping->items()) {
                if (!pointer.is_string() || (!pointer.get<std::string>().empty() &&
                                             pointer.get<std::string>().front() != '/'))
                    out.push_back({r.at("mapping") + '/' + name,
                                   "expected a JSON Pointer into the event such as "
                                   "/payload/lead_id, got " +
                                       describeJson(pointer)});
                else
                    spec.mapping.emplace_back(name, pointer.get<std::string>());
            }
    }
    r.boolean("redact_pii", spec.redactPii);
    if (const json* slo = r.field("slo")) {
        if (!slo->is_object())
            r.fail("slo", "expected an object such as {\"target_ms\": 60000, \"percentile\": 95}");
        else {
            ObjectReader sr(*slo, r.at("slo"), out);
            sr.millis("target_ms", spec.slo.target, 1, 30LL * 24 * 3'600'000);
            double percentile = spec.slo.percentile * 100;
            sr.number("percentile", percentile, 50, 99.99);
            spec.slo.percentile = percentile / 100;
            sr.refuseUnknown();
        }
    }
    r.boolean("paused", spec.paused);
    r.refuseUnknown();
    if (out.empty())
        result.spec = std::move(spec);
    return result;
}

std::string consumerSpecToJson(const ConsumerSpec& s, bool maskSecrets) {
    ojson j;
    j["name"] = s.name;
    if (!s.description.empty())
        j["description"] = s.description;
    ojson filter = ojson::object();
    filter["event_types"] = s.filter.eventTypes;
    if (s.filter.tenant)
        filter["tenant"] = *s.filter.tenant;
    if (!s.filter.where.empty()) {
        ojson where = ojson::array();
        for (const auto& c : s.filter.where) {
            ojson cj{{"field", c.field}, {"op", std::string(opName(c.op))}};
            if (!c.valueJson.empty())
                cj["value"] = ojson::parse(c.valueJson);
            where.push_back(std::move(cj));
        }
        filter["where"] = std::move(where);
    }
    j["filter"] = std::move(filter);
    ojson sink{{"type", std::string(toString(s.sink.kind))}};
    if (s.sink.kind == SinkKind::Webhook) {
        sink["url"] = s.sink.url;
        sink["method"] = s.sink.method;
        ojson headers = ojson::object();
        for (const auto& [name, value] : s.sink.headers)
            headers[name] = maskSecrets ? std::string("***") : value;
        sink["headers"] = std::move(headers);
        sink["timeout_ms"] = s.sink.timeout.count();
        if (!s.sink.secret.empty())
            sink["secret"] = maskSecrets ? std::string("whsec_***") : s.sink.secret;
        sink["format"] = std::string(toString(s.sink.format));
        if (s.sink.format == OutboundFormat::CloudEvents)
            sink["cloudevents_mode"] = std::string(toString(s.sink.cloudEventsMode));
    }
    if (s.sink.kind == SinkKind::WebSocket)
        sink["ack_timeout_ms"] = s.sink.ackTimeout.count();
    j["sink"] = std::move(sink);
    j["ordering"] = s.orderByEntity ? "entity" : "none";
    j["retry"] = {{"max_attempts", s.retry.maxAttempts},
                  {"max_age_s", s.retry.maxAge.count()},
                  {"base_ms", s.retry.base.count()},
                  {"cap_ms", s.retry.cap.count()},
                  {"jitter", s.retry.jitter}};
    if (s.rate.perSecond > 0)
        j["rate_limit"] = {{"per_second", s.rate.perSecond}, {"burst", s.rate.burst}};
    j["max_concurrency"] = s.maxConcurrency;
    j["max_pending"] = s.maxPending;
    j["circuit_breaker"] = {{"failure_ratio", s.breaker.failureRatio},
                            {"min_requests", s.breaker.minRequests},
                            {"window_s", s.breaker.window.count()},
                            {"open_ms", s.breaker.openFor.count()},
                            {"half_open_probes", s.breaker.halfOpenProbes}};
    j["dead_letter"] = std::string(toString(s.deadLetter));
    j["gap_timeout_ms"] = s.gapTimeout.count();
    if (!s.mapping.empty()) {
        ojson mapping = ojson::object();
        for (const auto& [name, pointer] : s.mapping)
            mapping[name] = pointer;
        j["mapping"] = std::move(mapping);
    }
    j["redact_pii"] = s.redactPii;
    if (s.slo.target.count() > 0)
        j["slo"] = {{"target_ms", s.slo.target.count()}, {"percentile", s.slo.percentile * 100}};
    j["paused"] = s.paused;
    return j.dump();
}

bool matchesTypeAndTenant(const ConsumerFilter& filter, const Event& event) {
    if (filter.tenant && *filter.tenant != event.tenantId)
        return false;
    if (filter.eventTypes.empty())
        return true;
    return std::find(filter.eventTypes.begin(), filter.eventTypes.end(), event.eventType) !=
           filter.eventTypes.end();
}

namespace {

bool compare(const json& actual, FieldCondition::Op op, const json& operand) {
    using Op = FieldCondition::Op;
    switch (op) {
    case Op::Exists:
        return true;
    case Op::Equal:
        return actual == operand;
    case Op::NotEqual:
        return actual != operand;
    case Op::In:
        return std::find(operand.begin(), operand.end(), actual) != operand.end();
    default:
        break;
    }
    // Ordering compares numbers with numbers and strings with strings only.
    const bool numbers = actual.is_number() && operand.is_number();
    const bool strings = actual.is_string() && operand.is_string();
    if (!numbers && !strings)
        return false;
    const bool less = numbers ? actual.get<double>() < operand.get<double>()
                              : actual.get<std::string>() < operand.get<std::string>();
    const bool equal = actual == operand;
    switch (op) {
    case Op::Greater:
        return !less && !equal;
    case Op::GreaterOrEqual:
        return !less;
    case Op::Less:
        return less;
    case Op::LessOrEqual:
        return less || equal;
    default:
        return false;
    }
}

} // namespace

bool matchesConditions(const ConsumerFilter& filter, const Event& event) {
    if (filter.where.empty())
        return true;
    json doc;
    try {
        doc = json::parse(serializeEvent(event));
    } catch (const json::exception&) {
        return false;
    }
    for (const auto& c : filter.where) {
        const json* actual = nullptr;
        try {
            actual = &doc.at(json::json_pointer(c.field));
        } catch (const json::exception&) {
            return false; // absent: no condition holds on it, not even !=
        }
        const json operand = c.valueJson.empty() ? json() : json::parse(c.valueJson);
        if (!compare(*actual, c.op, operand))
            return false;
    }
    return true;
}

std::string_view toString(SinkKind kind) {
    return wordOf(kSinkKinds, kind);
}

std::string_view toString(DeadLetterPolicy policy) {
    return policy == DeadLetterPolicy::Continue ? "continue" : "block";
}

std::string_view toString(OutboundFormat format) {
    return wordOf(kFormats, format);
}

std::string_view toString(CloudEventsMode mode) {
    return wordOf(kCloudEventsModes, mode);
}

} // namespace meshdeck
