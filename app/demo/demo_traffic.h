#pragma once
// --demo's traffic: a simulated martech stack feeding a mesh, as the HTTP
// requests it makes. meshd --demo (demo_driver.h) and the console's --demo
// (app/meshdeck/demo_stack.h) send exactly what this says, each with its own
// HTTP client; nothing here does I/O.
//
// The vendors post their own webhooks to POST /v1/hooks/<source>, in their
// own format and signed as they sign (tests/fixtures/README.md has the
// formats), and the mesh's mapping rules make the canonical events:
//   HubSpot     contacts are created and their score and lifecycle stage
//               change (LeadCreated, LeadScored, LeadQualified); deals are
//               created and move through the pipeline (Opportunity*).
//               A JSON array of subscription events; X-HubSpot-Signature-v3
//   Salesforce  partner leads are created and worked (LeadCreated,
//               LeadStatusChanged, LeadQualified); accounts change
//               (AccountUpdated). An Outbound Message: SOAP 1.1 XML with the
//               organization id, one <Notification> per record; not signed
//   Segment     enrichment and booked demos are tracked (LeadEnriched,
//               DemoBooked); identify calls carry consent (ConsentUpdated).
//               One call per request; X-Signature
// Now and then a vendor request is sent twice, as vendors resend what they
// did not see acknowledged, and the mesh stores it once. Two things come from
// no vendor and are published as canonical events to /v1/events: lead
// assignment (no shipped ruleset maps one) and a legacy import whose event
// its schema refuses, so the quarantine has something to show. Three
// consumers take the events (consumerDeclarations).

#include "core/time.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshdeck::demo {

// The sources' names; the mesh's flow map shows them as producers.
inline constexpr std::string_view kHubSpot = "hubspot";
inline constexpr std::string_view kSalesforce = "salesforce";
inline constexpr std::string_view kSegment = "segment";

// How often the stack sends, what a deliberate resend waits for, and how
// often a vendor tries a request the mesh did not acknowledge.
inline constexpr std::chrono::milliseconds kTickInterval{400};
inline constexpr std::chrono::milliseconds kRepeatDelay{250};
inline constexpr int kMaxAttempts = 4;

// One request to the mesh. A vendor's webhook names its source and goes
// without a token; anything else is the mesh's API, sent with the demo's
// token.
struct DemoRequest {
    std::string method = "POST";
    std::string path; // "/v1/hooks/hubspot", "/v1/events", "/v1/sources/segment"
    std::string contentType = "application/json";
    std::string body;
    // The vendor's own headers, signature included; set by signHook.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string source;  // the vendor's source; empty for the mesh's API
    int items = 0;       // events, notifications or calls it carries
    bool repeat = false; // a deliberate second send of the request before it: after kRepeatDelay
    int attempt = 1;     // the sender counts its attempts here

    bool hook() const { return !source.empty(); }
};

// "http://127.0.0.1:8787" -> "http://127.0.0.1:8787/v1/hooks/hubspot": the
// URL a vendor calls (and HubSpot signs). Trailing slashes of the mesh URL
// are dropped.
std::string hookUrl(std::string_view meshUrl, std::string_view source);

// PUT /v1/sources/<name> for the three vendors in `tenant`, each verified as
// its vendor signs (an admin's request).
std::vector<DemoRequest> sourceDeclarations(std::string_view meshUrl, std::string_view tenant);
// PUT /v1/consumers/<name>: the CRM and the sales-engagement tool deliver to
// `receiverUrl` (demo_receiver.h), analytics takes everything without a sink.
std::vector<DemoRequest> consumerDeclarations(std::string_view receiverUrl,
                                              std::string_view tenant);

// Sets the request's vendor headers as its vendor does when it sends:
// HubSpot signs its URL, the body and the time, so every attempt is signed
// anew; Segment signs the body; Salesforce signs nothing. A request to the
// mesh's API is left as it is.
void signHook(DemoRequest& request, std::string_view meshUrl, std::int64_t nowMs);

// What a vendor makes of the mesh's answer to a hook request.
struct HookAnswer {
    int status = 0; // 0: no HTTP answer
    std::string body;
    std::string retryAfter; // the Retry-After header, if any
    std::string error;      // the transport's error when there is no answer
};
struct HookOutcome {
    enum class Kind {
        Stored,  // acknowledged
        Refused, // a 4xx other than 429: sending it again would not help
        Retry,   // after retryIn: no answer, 429 or 5xx, attempts left
        GaveUp,  // the same, on the last attempt
    };
    Kind kind = Kind::Stored;
    int stored = 0; // Stored: canonical events the mesh stored from it (new ones)
    std::chrono::milliseconds retryIn{0};
    std::string reason; // otherwise: "hubspot webhook: the signature ... (attempt 2/4)"
};
// A vendor retries after the Retry-After it was given, else 1 s, 2 s, 4 s,
// and gives up after kMaxAttempts. Salesforce is answered with its
// acknowledgement only, so its notifications count as stored (a repeat's as
// none); the others are told what was stored.
HookOutcome hookOutcome(const DemoRequest& request, const HookAnswer& answer);

// The stack itself: what each tick sends. Entities move a step at a time
// (journeys, partner leads, deals), so their events arrive in order over
// many ticks. Deterministic for a seed and a clock. Vendor ids start from
// the time the traffic was made, so a demo restarted on the same data dir
// never sends an id the log already holds; vendor timestamps, which the
// rules make entity versions, strictly increase.
class DemoTraffic {
public:
    explicit DemoTraffic(std::string tenant, const Clock& clock = SystemClock::instance(),
                         std::uint32_t seed = 20261127);
    ~DemoTraffic();
    DemoTraffic(const DemoTraffic&) = delete;
    DemoTraffic& operator=(const DemoTraffic&) = delete;

    // The requests of the next tick, in the order they go out: HubSpot,
    // Salesforce leads (each maybe followed by its repeat), Salesforce
    // accounts, Segment calls, canonical events. Unsigned (signHook).
    std::vector<DemoRequest> tick();
    int ticks() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace meshdeck::demo
