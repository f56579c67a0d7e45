// Sources and the playground's test on the wire.
#include "core/protocol/source.h"

#include "core/protocol/json_codec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace meshdeck::protocol {

namespace {

Json when(const std::optional<Timestamp>& t) {
    return t ? Json(formatRfc3339(*t)) : Json();
}

// What a test can say of one vendor item.
constexpr std::array<std::string_view, 5> kOutcomes{"mapped", "ignored", "no-match", "failed",
                                                    "invalid"};

bool sameHeaderName(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

Json value(const Violation& v) {
    return Json{{"path", v.path}, {"message", v.message}};
}

void read(const Json& json, const std::string& path, Violations& bad, Violation& out) {
    ObjectReader r(json, path, bad);
    r.required("path", out.path);
    r.required("message", out.message);
}

} // namespace

// Found by arrayOf() and readArray() by argument-dependent lookup.

Json value(const SourceCounters& c) {
    return Json{{"requests", c.requests},      {"received", c.received},
                {"mapped", c.mapped},          {"duplicates", c.duplicates},
                {"ignored", c.ignored},        {"rejected_signature", c.rejectedSignature},
                {"quarantined", c.quarantined}};
}

void read(const Json& json, const std::string& path, Violations& bad, SourceCounters& out) {
    ObjectReader r(json, path, bad);
    r.required("requests", out.requests);
    r.required("received", out.received);
    r.required("mapped", out.mapped);
    r.required("duplicates", out.duplicates);
    r.required("ignored", out.ignored);
    r.required("rejected_signature", out.rejectedSignature);
    r.required("quarantined", out.quarantined);
}

Json value(const SourceStatus& s) {
    return Json{{"name", s.name},
                {"kind", s.kind},
                {"tenant", s.tenant},
                {"producer", s.producer},
                {"mapping", s.mapping},
                {"hook_path", s.hookPath},
                {"public_url", s.publicUrl},
                {"origin", s.origin},
                {"spec", embed(s.spec)},
                {"counters", value(s.counters)},
                {"last_received_at", when(s.lastReceivedAt)},
                {"last_error_at", when(s.lastErrorAt)},
                {"last_error", s.lastError}};
}

void read(const Json& json, const std::string& path, Violations& bad, SourceStatus& out) {
    ObjectReader r(json, path, bad);
    r.required("name", out.name);
    r.required("kind", out.kind);
    r.required("tenant", out.tenant);
    r.optional("producer", out.producer);
    r.optional("mapping", out.mapping);
    // What the vendor is given: a source without it cannot be used.
    r.required("hook_path", out.hookPath);
    r.optional("public_url", out.publicUrl);
    r.optional("origin", out.origin);
    if (const Json* spec = r.find("spec"))
        out.spec = text(*spec);
    if (const Json* counters = r.require("counters"))
        read(*counters, r.pathOf("counters"), bad, out.counters);
    r.optionalTime("last_received_at", out.lastReceivedAt);
    r.optionalTime("last_error_at", out.lastErrorAt);
    r.optional("last_error", out.lastError);
}

Json value(const SourceList& list) {
    return Json{{"sources", arrayOf(list.sources)}};
}

void read(const Json& json, const std::string& path, Violations& bad, SourceList& out) {
    ObjectReader r(json, path, bad);
    readArray(r, "sources", out.sources);
}

Json value(const SourceTestRequest& t) {
    // An object keeps one value per name: a header given twice is sent as
    // one, its values joined by ", " as HTTP joins repeated field lines.
    Json headers = Json::object();
    for (const auto& [name, v] : t.headers) {
        auto same = headers.begin();
        while (same != headers.end() && !sameHeaderName(same.key(), name))
            ++same;
        if (same == headers.end())
            headers[name] = v;
        else
            *same = same->get<std::string>() + ", " + v;
    }
    Json j{{"body", t.body}, {"headers", std::move(headers)}, {"verify", t.verify}};
    if (!t.mapping.empty())
        j["mapping"] = t.mapping;
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, SourceTestRequest& out) {
    ObjectReader r(json, path, bad);
    r.required("body", out.body);
    out.headers.clear();
    if (const Json* headers = r.find("headers")) {
        if (!headers->is_object()) {
            r.fail("headers", "expected an object of header names and values, got " +
                                  jsonpath::describeValue(*headers));
        } else {
            for (const auto& item : headers->items()) {
                if (item.value().is_string())
                    out.headers.emplace_back(item.key(), item.value().get<std::string>());
                else
                    bad.push_back(
                        {jsonpath::append(r.pathOf("headers"), item.key()),
                         "expected a string, got " + jsonpath::describeValue(item.value())});
            }
        }
    }
    r.optional("verify", out.verify);
    r.optional("mapping", out.mapping);
}

Json value(const SourceTestItem& i) {
    Json j{{"where", i.where},           {"vendor_id", i.vendorId},
           {"outcome", i.outcome},       {"rule", i.rule},
           {"reason", i.reason},         {"event", embed(i.event)},
           {"violations", Json::array()}};
    for (const auto& v : i.violations)
        j["violations"].push_back(value(v));
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, SourceTestItem& out) {
    ObjectReader r(json, path, bad);
    r.required("where", out.where);
    r.optional("vendor_id", out.vendorId);
    r.required("outcome", out.outcome);
    if (r.find("outcome") && r.find("outcome")->is_string() &&
        std::find(kOutcomes.begin(), kOutcomes.end(), out.outcome) == kOutcomes.end())
        r.fail("outcome",
               "expected mapped, ignored, no-match, failed or invalid, got \"" + out.outcome + '"');
    r.optional("rule", out.rule);
    r.optional("reason", out.reason);
    if (const Json* event = r.find("event"))
        out.event = text(*event);
    if (r.find("violations"))
        r.requiredArray("violations", out.violations,
                        [](const Json& j, const std::string& at, Violations& b, Violation& v) {
                            read(j, at, b, v);
                        });
}

Json value(const SourceTestResult& t) {
    return Json{{"verification",
                 {{"checked", t.verificationChecked},
                  {"ok", t.verified},
                  {"reason", t.verificationReason}}},
                {"error", t.error},
                {"items", arrayOf(t.items)}};
}

void read(const Json& json, const std::string& path, Violations& bad, SourceTestResult& out) {
    ObjectReader r(json, path, bad);
    if (const Json* verification = r.require("verification")) {
        ObjectReader v(*verification, r.pathOf("verification"), bad);
        v.required("checked", out.verificationChecked);
        v.required("ok", out.verified);
        v.optional("reason", out.verificationReason);
    }
    r.optional("error", out.error);
    readArray(r, "items", out.items);
}

std::string toJson(const SourceStatus& source) {
    return dump(value(source));
}
std::string toJson(const SourceList& list) {
    return dump(value(list));
}
std::string toJson(const SourceTestRequest& request) {
    return dump(value(request));
}
std::string toJson(const SourceTestResult& result) {
    return dump(value(result));
}

template Decoded<SourceStatus> fromJson(std::string_view);
template Decoded<SourceList> fromJson(std::string_view);
template Decoded<SourceTestRequest> fromJson(std::string_view);
template Decoded<SourceTestResult> fromJson(std::string_view);

} // namespace meshdeck::protocol
