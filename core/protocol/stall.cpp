// The stall answer on the wire.
#include "core/protocol/stall.h"

#include "core/protocol/json_codec.h"

#include <array>
#include <utility>

namespace meshdeck::protocol {

namespace {

// Findings are written as their state's word.
constexpr WordTable<StallSubject, 4> kSubjectWords{{
    {StallSubject::Findings, ""},
    {StallSubject::Rejected, "rejected"},
    {StallSubject::Unknown, "unknown"},
    {StallSubject::NoConsumer, "no-consumer"},
}};

} // namespace

std::string stateWord(const StallAnswer& answer) {
    return std::string(answer.kind == StallSubject::Findings ? toString(answer.state)
                                                             : wordOf(kSubjectWords, answer.kind));
}

Json value(const StallFinding& f) {
    Json j{{"consumer", f.consumer},
           {"seq", f.seq},
           {"event_id", f.eventId},
           {"state", toString(f.state)},
           {"sentence", f.sentence}};
    if (f.deadLetterId)
        j["dead_letter_id"] = *f.deadLetterId;
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, StallFinding& out) {
    ObjectReader r(json, path, bad);
    r.required("consumer", out.consumer);
    r.required("seq", out.seq);
    r.required("event_id", out.eventId);
    r.requiredWord("state", out.state, parseStallState, "a stall state such as \"retrying\"");
    r.required("sentence", out.sentence);
    r.optional("dead_letter_id", out.deadLetterId);
}

Json value(const StallAnswer& a) {
    Json j{{"subject", a.subject}, {"state", stateWord(a)}, {"answer", a.answer}};
    if (a.quarantine)
        j["evidence"] = {{"quarantine_id", a.quarantine->id},
                         {"problem", embed(a.quarantine->problemJson)}};
    else if (a.kind != StallSubject::Unknown)
        j["evidence"] = arrayOf(a.evidence);
    return j;
}

void read(const Json& json, const std::string& path, Violations& bad, StallAnswer& out) {
    ObjectReader r(json, path, bad);
    r.required("subject", out.subject);
    r.required("answer", out.answer);
    std::string word;
    r.required("state", word);
    out.kind = word.empty() ? StallSubject::Findings
                            : valueOf(kSubjectWords, word).value_or(StallSubject::Findings);
    if (out.kind == StallSubject::Findings && r.find("state")) {
        r.requiredWord("state", out.state, parseStallState,
                       "a stall state, rejected, unknown or no-consumer");
    }
    if (out.kind == StallSubject::Rejected) {
        if (const Json* evidence = r.require("evidence")) {
            ObjectReader e(*evidence, r.pathOf("evidence"), bad);
            QuarantineEvidence q;
            e.required("quarantine_id", q.id);
            if (const Json* problem = e.find("problem"))
                q.problemJson = text(*problem);
            out.quarantine = q;
        }
    } else if (r.find("evidence")) {
        readArray(r, "evidence", out.evidence);
    }
}

std::string toJson(const StallAnswer& answer) {
    return dump(value(answer));
}

template Decoded<StallAnswer> fromJson(std::string_view);

} // namespace meshdeck::protocol
