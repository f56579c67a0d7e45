// bench_hooks: vendor webhooks into meshd beside plain canonical publishing,
// both measured in the same run on 127.0.0.1.
//
//   bench_hooks [--events N] [--rounds N] [--durability full|normal]
//               [--meshd PATH] [--timeout SECONDS] [--quick]
//
// Three parts, each on a fresh meshd child with the same config (a HubSpot
// source declared in it) and the same load: 4 connections (threads), each
// sending requests of 100 events back to back:
//   hooks:     POST /v1/hooks/hubspot with a HubSpot webhooks v3 batch of 100
//              subscription events (contact creations, score and lifecycle
//              stage changes, ~250 bytes each), signed with
//              X-HubSpot-Signature-v3; meshd verifies the signature, maps
//              each item by the shipped hubspot.json rules, checks each event
//              against its schema and answers 200 after the commit. Its
//              event ids are UUIDv5 of the vendor's ids (they must be, to
//              deduplicate vendor retries), in no order.
//   canonical: POST /v1/events with a JSON array of 100 canonical LeadScored
//              events (~512 bytes each, bench_support's workload) over the
//              same number of entities, each event's correlation id its
//              entity's key as the hook rules make it, event ids UUIDv7 in
//              time order; meshd checks them and answers 202 after the
//              commit. The target's baseline.
//   canonical, unordered ids: the same with random (version 4) event ids, as
//              many producers make them. An id in no order lands at a random
//              place in the event id index, which costs the writer a page per
//              event where time-ordered ids append; this part has the hooks'
//              storage work, so what is left between it and the hooks is the
//              hook path's own cost.
// Figures per part: events/s from the first request to the last answer, and
// the latency of each request (p50, p99, max). With --rounds N each round
// starts with the next part and the medians over rounds are reported. The
// target is hooks >= 0.7x the canonical events/s.
//
// Request bodies and signatures are made before the clock starts. Every
// answer is checked while measuring (all 100 accepted, none a duplicate), and
// the stored counts at the end (GET /healthz events; the source's mapped,
// duplicate and quarantined counts). Any failure exits non-zero. meshd is
// killed on every exit path, including the hard timeout and SIGINT/SIGTERM.

#include "broker/client/mesh_client.h"
#include "tests/bench/bench_support.h"

#include <cstdio>
#include <cstring>
#include <latch>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <random>

using namespace meshdeck::bench;
using namespace std::chrono_literals;

namespace {

constexpr const char* kProgram = "bench_hooks";
constexpr std::size_t kConnections = 4;
constexpr std::size_t kBatch = 100;
constexpr const char* kSource = "hubspot";
constexpr const char* kClientSecret = "bench-hubspot-client-secret";
// The URL HubSpot is given and signs; meshd behind a proxy knows it from the
// source's public_url, not from the request.
constexpr const char* kPublicUrl = "https://mesh.example.com/v1/hooks/hubspot";

// ---------------------------------------------------------------------------
// Options

struct Options : RunOptions {
    Options() : RunOptions(300) {}
    std::size_t events = 100'000; // per half and round
    std::size_t rounds = 3;
    std::string durability = "full";
    std::string meshd;
};

constexpr const char* kUsage =
    R"(usage: bench_hooks [--events N] [--rounds N] [--durability full|normal]
                   [--meshd PATH] [--timeout SECONDS] [--quick]

Measures HubSpot webhook batches of 100 events through POST /v1/hooks/hubspot
(signature, mapping, schema check, durable append) beside canonical batches of
100 through POST /v1/events, with 4 connections each, in one run on 127.0.0.1
only: events/s and the latency of each request.

  --events N            events per half and round (default 100000)
  --rounds N            repeat both halves N times, hooks first in every other
                        round, and print medians (default 3)
  --durability MODE     meshd's durability: full (fsync before answering) or
                        normal (default full)
  --meshd PATH          meshd binary (default $MESHDECK_BIN_DIR/meshd, else
                        <bench dir>/../../app/meshd)
  --timeout SECONDS     hard limit for the whole run (default 300)
  --quick               4000 events, 1 round: a correctness smoke run
)";

Options parseOptions(int argc, char** argv) {
    Options o;
    std::optional<std::size_t> events, rounds;
    for (ArgReader args(argc, argv, kUsage); args.next();) {
        const std::string& arg = args.flag();
        if (arg == "--events") {
            events = args.count();
        } else if (arg == "--rounds") {
            rounds = args.count();
        } else if (arg == "--durability") {
            o.durability = args.value();
            if (o.durability != "full" && o.durability != "normal")
                throw BenchError("--durability takes full or normal, got '" + o.durability + "'");
        } else if (arg == "--meshd") {
            o.meshd = args.value();
        } else if (arg == "--nats-server") {
            args.rejectFlag(); // no JetStream half here
        } else {
            o.takeFlag(args); // --timeout, --quick
        }
    }
    o.events = events.value_or(o.quick ? 4'000 : 100'000);
    o.rounds = rounds.value_or(o.quick ? 1 : 3);
    if (o.meshd.empty())
        o.meshd = defaultMeshdBinary();
    return o;
}

// The meshd config both halves run with: the HubSpot source, its rate above
// anything the benchmark sends.
std::string meshdSettings() {
    const nlohmann::json source = {
        {"name", kSource},
        {"kind", "hubspot"},
        {"tenant", "acme"},
        {"secrets", {kClientSecret}},
        {"public_url", kPublicUrl},
        {"rate_limit", {{"per_second", 1'000'000}, {"burst", 1'000'000}}}};
    return nlohmann::json{{"sources", {source}}}.dump();
}

// ---------------------------------------------------------------------------
// The workloads: per connection, its requests, each 100 events.

struct Request {
    std::string body;
    std::map<std::string, std::string> headers;
};
using Requests = std::vector<std::vector<Request>>;

// HubSpot's v3 signature: base64(HMAC-SHA256(client secret, method + URI +
// body + timestamp)).
std::string hubSpotSignature(const std::string& body, const std::string& timestamp) {
    const std::string message = std::string("POST") + kPublicUrl + body + timestamp;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int macSize = 0;
    if (!HMAC(EVP_sha256(), kClientSecret, static_cast<int>(std::strlen(kClientSecret)),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
              &macSize))
        throw BenchError("HMAC-SHA256 failed in OpenSSL while signing a HubSpot batch");
    std::string out(4 * ((macSize + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(macSize));
    return out;
}

// Connection c's n-th HubSpot event: 8 in 10 score changes, a creation and a
// lifecycle stage change in the others, so the rules make LeadScored,
// LeadCreated and LeadQualified events. Event ids are unique over the run.
nlohmann::json hubSpotEvent(std::uint64_t eventId, std::int64_t occurredAt, std::size_t c,
                            std::size_t n) {
    nlohmann::json e = {
        {"eventId", eventId},       {"subscriptionId", 2204511},
        {"portalId", 62515},        {"appId", 54321},
        {"occurredAt", occurredAt}, {"subscriptionType", "contact.propertyChange"},
        {"attemptNumber", 0},       {"objectId", 1'000'000 + c * 100'000 + n % 5000},
        {"changeSource", "CRM"}};
    if (n % 10 == 0) {
        e["subscriptionType"] = "contact.creation";
        e["subscriptionId"] = 2204510;
        e["changeFlag"] = "NEW";
        e["changeSource"] = "FORM";
    } else if (n % 10 == 5) {
        e["propertyName"] = "lifecyclestage";
        e["propertyValue"] = "marketingqualifiedlead";
    } else {
        e["propertyName"] = "hubspotscore";
        e["propertyValue"] = std::to_string(n % 101);
    }
    return e;
}

// Signed now: the timestamp must be within meshd's 300 s tolerance when the
// requests are sent, which is why each half builds its requests just before
// it runs.
Requests hubSpotRequests(std::size_t events, std::uint64_t& nextEventId) {
    Requests out(kConnections);
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string timestamp = std::to_string(now);
    std::int64_t occurredAt = now - 60'000;
    for (std::size_t c = 0; c < kConnections; ++c) {
        const std::size_t share = events / kConnections + (c < events % kConnections ? 1 : 0);
        for (std::size_t first = 0; first < share; first += kBatch) {
            nlohmann::json batch = nlohmann::json::array();
            for (std::size_t n = first; n < std::min(share, first + kBatch); ++n)
                batch.push_back(hubSpotEvent(nextEventId++, occurredAt++, c, n));
            Request r;
            r.body = batch.dump();
            r.headers = {{"content-type", "application/json"},
                         {"x-hubspot-request-timestamp", timestamp},
                         {"x-hubspot-signature-v3", hubSpotSignature(r.body, timestamp)}};
            out[c].push_back(std::move(r));
        }
    }
    return out;
}

// A random (version 4) UUID, as many producers make their event ids.
std::string randomUuid(std::mt19937_64& random) {
    const std::uint64_t high = random(), low = random();
    char text[37];
    std::snprintf(text, sizeof text, "%08llx-%04llx-4%03llx-%04llx-%012llx",
                  static_cast<unsigned long long>(high >> 32),
                  static_cast<unsigned long long>((high >> 16) & 0xffff),
                  static_cast<unsigned long long>(high & 0xfff),
                  static_cast<unsigned long long>(0x8000 | ((low >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(low & 0xffffffffffffULL));
    return text;
}

// With unorderedIds, each event's id is a random UUID in place of the
// factory's UUIDv7: ids in no order, as the hooks' are.
Requests canonicalRequests(std::size_t events, bool unorderedIds) {
    EventFactory factory;
    std::mt19937_64 random(20261207);
    Requests out(kConnections);
    for (std::size_t c = 0; c < kConnections; ++c) {
        const std::size_t share = events / kConnections + (c < events % kConnections ? 1 : 0);
        for (std::size_t first = 0; first < share; first += kBatch) {
            std::string body = "[";
            for (std::size_t n = first; n < std::min(share, first + kBatch); ++n) {
                LeadScored fields;
                fields.lead = "L-" + std::to_string(c) + "-" + std::to_string(n % 5000);
                // Per entity, as the hook rules make it (the entity's key):
                // both halves store rows of the same shape, so neither half's
                // indexes are cheaper to keep than the other's.
                fields.correlation = "lead:" + fields.lead;
                fields.score = n % 101;
                Event event = factory.make(fields);
                if (unorderedIds) {
                    const std::string id = randomUuid(random);
                    event.json.replace(event.json.find(event.id), event.id.size(), id);
                }
                body += (body.size() > 1 ? "," : "") + event.json;
            }
            out[c].push_back({body + "]", {{"content-type", "application/json"}}});
        }
    }
    return out;
}

// ---------------------------------------------------------------------------
// Sending: each connection's requests back to back, each timed.

struct HalfResult {
    std::size_t events = 0;
    double seconds = 0;
    Latency latency; // per request
    double rate() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

// The number of events an answer says it stored, or nullopt when it is not
// the answer expected: 202 from /v1/events, 200 from the hook, none a
// duplicate and (the hook) nothing quarantined or ignored.
std::optional<std::size_t> storedBy(const meshdeck::HttpResult& r, bool hook) {
    if (r.status != (hook ? 200 : 202))
        return std::nullopt;
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object())
        return std::nullopt;
    if (body.value("duplicates", 0) != 0)
        return std::nullopt;
    if (hook && (body.value("quarantined", -1) != 0 || body.value("ignored", -1) != 0))
        return std::nullopt;
    return body.value("accepted", std::size_t{0});
}

HalfResult send(MeshdProcess& meshd, const Requests& requests, const std::string& target,
                bool hook) {
    Failure failure;
    std::vector<std::vector<double>> ms(requests.size());
    std::vector<std::size_t> stored(requests.size(), 0);
    std::latch ready(static_cast<std::ptrdiff_t>(requests.size()) + 1);
    std::latch go(1);
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < requests.size(); ++c)
        threads.emplace_back([&, c] {
            nameThisThread("bench-hooks");
            // The hook takes no token: a vendor has none.
            meshdeck::MeshClient client(meshd.url(), hook ? std::string() : meshd.token());
            client.setTimeout(60s);
            const auto warm = client.get("/healthz"); // opens the keep-alive connection
            ready.count_down();
            go.wait();
            if (warm.status != 200)
                return failure.set("GET /healthz answered " + std::to_string(warm.status) + " " +
                                   warm.error);
            ms[c].reserve(requests[c].size());
            for (const auto& request : requests[c]) {
                if (failure.failed)
                    return;
                const auto t0 = Clock::now();
                const auto r = client.request("POST", target, request.body, request.headers);
                ms[c].push_back(msSince(t0));
                const auto n = storedBy(r, hook);
                if (!n || *n != kBatch)
                    return failure.set(
                        "connection " + std::to_string(c) + ": POST " + target + " answered " +
                        std::to_string(r.status) + (r.error.empty() ? "" : " (" + r.error + ")") +
                        ", expected every event of the batch stored once: " + clip(r.body));
                stored[c] += *n;
            }
        });
    ready.arrive_and_wait();
    const auto t0 = Clock::now();
    go.count_down();
    for (auto& t : threads)
        t.join();
    HalfResult result;
    result.seconds = msSince(t0) / 1000.0;
    if (failure.failed)
        throw BenchError(target + ": " + failure.message());
    std::vector<double> all;
    for (std::size_t c = 0; c < requests.size(); ++c) {
        result.events += stored[c];
        all.insert(all.end(), ms[c].begin(), ms[c].end());
    }
    result.latency = summarise(std::move(all));
    return result;
}

// ---------------------------------------------------------------------------
// The halves

void printHalf(const char* who, const HalfResult& r) {
    std::printf("  %-30s %8zu events in %7.3f s = %9.0f events/s; per request of %zu: p50 %.3f "
                "ms  p99 %.3f ms  max %.3f ms\n",
                who, r.events, r.seconds, r.rate(), kBatch, r.latency.p50, r.latency.p99,
                r.latency.max);
    std::fflush(stdout);
}

std::int64_t storedEvents(MeshdProcess& meshd) {
    return nlohmann::json::parse(meshd.get("/healthz")).at("events").get<std::int64_t>();
}

void checkStored(MeshdProcess& meshd, std::size_t expected, const std::string& what) {
    const auto stored = storedEvents(meshd);
    std::printf("  check: GET /healthz events = %lld (expected %zu)\n",
                static_cast<long long>(stored), expected);
    if (stored != static_cast<std::int64_t>(expected))
        throw BenchError(what + ": /healthz reports " + std::to_string(stored) +
                         " events stored, expected " + std::to_string(expected));
}

HalfResult runHooks(const Options& o, const fs::path& dir, std::uint64_t& nextEventId) {
    MeshdProcess meshd(o.meshd, dir, o.durability, meshdSettings());
    std::printf("\n== hooks: HubSpot batches of %zu to POST /v1/hooks/%s ==\n  started: %s\n",
                kBatch, kSource, meshd.commandLine().c_str());
    const Requests requests = hubSpotRequests(o.events, nextEventId);
    const HalfResult r = send(meshd, requests, std::string("/v1/hooks/") + kSource, true);
    printHalf("hooks (4 conn x 100/POST):", r);
    checkStored(meshd, o.events, "hooks");
    const auto counters =
        nlohmann::json::parse(meshd.get(std::string("/v1/sources/") + kSource)).at("counters");
    const auto count = [&counters](const char* name) {
        return counters.value(name, std::int64_t{-1});
    };
    std::printf("  check: source counters received %lld, mapped %lld, duplicates %lld, "
                "quarantined %lld, rejected %lld\n",
                static_cast<long long>(count("received")), static_cast<long long>(count("mapped")),
                static_cast<long long>(count("duplicates")),
                static_cast<long long>(count("quarantined")),
                static_cast<long long>(count("rejected_signature")));
    const auto events = static_cast<std::int64_t>(o.events);
    if (count("received") != events || count("mapped") != events || count("duplicates") != 0 ||
        count("quarantined") != 0 || count("rejected_signature") != 0)
        throw BenchError("hooks: the source's counters do not say every item was mapped once");
    meshd.checkAlive();
    meshd.stop();
    return r;
}

HalfResult runCanonical(const Options& o, const fs::path& dir, bool unorderedIds) {
    MeshdProcess meshd(o.meshd, dir, o.durability, meshdSettings());
    std::printf("\n== canonical%s: batches of %zu to POST /v1/events ==\n  started: %s\n",
                unorderedIds ? ", event ids in no order" : "", kBatch, meshd.commandLine().c_str());
    const Requests requests = canonicalRequests(o.events, unorderedIds);
    const HalfResult r = send(meshd, requests, "/v1/events", false);
    printHalf(unorderedIds ? "canonical, unordered ids:" : "canonical (4 conn x 100/POST):", r);
    checkStored(meshd, o.events, "canonical");
    meshd.checkAlive();
    meshd.stop();
    return r;
}

// ---------------------------------------------------------------------------
// Report

void runRounds(const Options& o, int argc, char** argv, const fs::path& tmp) {
    const auto started = Clock::now();
    std::printf("bench_hooks: HubSpot webhook batches through /v1/hooks beside canonical batches "
                "through /v1/events (same run)\n");
    printRunContext(argc, argv, tmp);
    std::printf("meshd: %s (%s), durability %s\n", o.meshd.c_str(),
                firstLineOf({o.meshd, "--version"}, tmp / "probe.log").c_str(),
                o.durability.c_str());
    std::printf("workload: %zu events per half, %zu connections x requests of %zu, %zu round(s); "
                "hard timeout %d s%s\n",
                o.events, kConnections, kBatch, o.rounds, o.timeoutSeconds,
                o.quick ? "; --quick" : "");
    std::fflush(stdout);

    // Three halves (thirds, really): the hooks, canonical events with the
    // broker's time-ordered ids (the target's baseline), and canonical
    // events whose ids are in no order like the hooks' (the same storage
    // work, so the rest of the difference is the hook path's own).
    enum Half { Hooks, Canonical, Unordered, kHalves };
    constexpr const char* kNames[kHalves] = {"hooks", "canonical", "canonical, unordered ids"};
    std::vector<double> rates[kHalves], p99s[kHalves], ratios, likeForLike;
    std::uint64_t nextEventId = 4'000'000'000;
    for (std::size_t round = 0; round < o.rounds; ++round) {
        // Each round starts with the next half, so the machine's drift
        // favours none of them.
        std::printf("\n######## round %zu of %zu (%s first)\n", round + 1, o.rounds,
                    kNames[round % kHalves]);
        HalfResult result[kHalves];
        for (std::size_t k = 0; k < kHalves; ++k) {
            const auto half = static_cast<Half>((round + k) % kHalves);
            const fs::path dir = tmp / (half == Hooks ? "hooks" : "canonical");
            result[half] = half == Hooks ? runHooks(o, dir, nextEventId)
                                         : runCanonical(o, dir, half == Unordered);
            removeTree(dir);
        }
        const double ratio = result[Hooks].rate() / result[Canonical].rate();
        const double same = result[Hooks].rate() / result[Unordered].rate();
        std::printf("\n  round %zu: hooks %.0f events/s, canonical %.0f (%.2fx), canonical with "
                    "unordered ids %.0f (%.2fx); p99 per request %.3f / %.3f / %.3f ms\n",
                    round + 1, result[Hooks].rate(), result[Canonical].rate(), ratio,
                    result[Unordered].rate(), same, result[Hooks].latency.p99,
                    result[Canonical].latency.p99, result[Unordered].latency.p99);
        for (std::size_t k = 0; k < kHalves; ++k) {
            rates[k].push_back(result[k].rate());
            p99s[k].push_back(result[k].latency.p99);
        }
        ratios.push_back(ratio);
        likeForLike.push_back(same);
    }

    const auto listed = [](const std::vector<double>& values) {
        std::string each;
        for (double r : values) {
            char text[16];
            std::snprintf(text, sizeof text, "%.2fx", r);
            each += (each.empty() ? "" : ", ") + std::string(text);
        }
        return each;
    };
    const double ratio = median(ratios);
    std::printf("\n== %s (127.0.0.1; 4 connections x requests of %zu events; durability %s) ==\n",
                o.rounds > 1 ? "medians over rounds" : "summary", kBatch, o.durability.c_str());
    std::printf("%-26s %12s %16s\n", "path", "events/s", "p99 per request");
    for (std::size_t k = 0; k < kHalves; ++k)
        std::printf("%-26s %12.0f %13.3f ms\n", kNames[k], median(rates[k]), median(p99s[k]));
    std::printf("hooks / canonical events/s: %.2fx (rounds: %s); target >= 0.70x: %s\n", ratio,
                listed(ratios).c_str(), ratio >= 0.7 ? "met" : "not met");
    std::printf("hooks / canonical with unordered ids: %.2fx (rounds: %s)\n", median(likeForLike),
                listed(likeForLike).c_str());
    std::printf("\nall checks passed: every request stored its %zu events once, stored counts "
                "match (%.1f s; load average at end: %s)\n",
                kBatch, msSince(started) / 1000.0, loadAverage().c_str());
}

} // namespace

int main(int argc, char** argv) {
    return meshdBenchmarkMain<Options>(
        kProgram, argc, argv, parseOptions,
        [&](const Options& options, const fs::path& tmp) { runRounds(options, argc, argv, tmp); });
}
