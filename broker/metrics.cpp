#include "broker/metrics.h"

#include "broker/store/database.h"

#include <sstream>

namespace meshdeck {

namespace {

// Label values are quoted; backslash, quote and newline must be escaped.
std::string escapeLabel(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string labels(std::initializer_list<std::pair<const char*, const std::string*>> pairs) {
    std::string out = "{";
    bool first = true;
    for (const auto& [name, value] : pairs) {
        if (!first)
            out += ',';
        first = false;
        out += name;
        out += "=\"";
        out += escapeLabel(*value);
        out += '"';
    }
    return out + '}';
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

void histogram(std::ostringstream& out, const std::string& name, const std::string& labelPrefix,
               const Histogram& h) {
    std::uint64_t cumulative = 0;
    const auto& bounds = h.upperBounds();
    const auto& counts = h.bucketCounts();
    const std::string sep = labelPrefix.empty() ? "" : labelPrefix + ",";
    for (std::size_t i = 0; i < bounds.size() && i < counts.size(); ++i) {
        cumulative += counts[i];
        out << name << "_bucket{" << sep << "le=\"" << bounds[i] << "\"} " << cumulative << '\n';
    }
    out << name << "_bucket{" << sep << "le=\"+Inf\"} " << h.count() << '\n';
    const std::string plain = labelPrefix.empty() ? "" : "{" + labelPrefix + "}";
    out << name << "_sum" << plain << ' ' << h.sum() << '\n';
    out << name << "_count" << plain << ' ' << h.count() << '\n';
}

} // namespace

void Metrics::countPublished(const std::string& eventType, const std::string& producer,
                             const std::string& tenant, std::int64_t n) {
    std::lock_guard lock(mutex_);
    published_[{eventType, producer, tenant}] += n;
}

void Metrics::countDuplicates(const std::string& tenant, std::int64_t n) {
    std::lock_guard lock(mutex_);
    duplicates_[tenant] += n;
}

void Metrics::countRejection(const std::string& reason) {
    std::lock_guard lock(mutex_);
    ++rejections_[reason];
}

void Metrics::countInternalError(const std::string& where) {
    std::lock_guard lock(mutex_);
    ++internalErrors_[where];
}

void Metrics::countRequest(const std::string& method, const std::string& route, int status) {
    std::lock_guard lock(mutex_);
    ++requests_[{method, route, std::to_string(status)}];
}

void Metrics::observeRequestLatency(const std::string& route, double ms) {
    std::lock_guard lock(mutex_);
    auto it = requestLatency_.find(route);
    if (it == requestLatency_.end())
        it = requestLatency_.emplace(route, Histogram::latencyMs()).first;
    it->second.observe(ms);
}

std::string Metrics::renderPrometheus(const Snapshot& gauges, const WriterStats& writer,
                                      const std::optional<std::string>& tenant) const {
    std::ostringstream out;
    std::lock_guard lock(mutex_);

    header(out, "meshdeck_events_published_total", "counter",
           "Events committed to the log, by type, producer and tenant.");
    for (const auto& [key, n] : published_)
        if (!tenant || key[2] == *tenant)
            out << "meshdeck_events_published_total"
                << labels({{"type", &key[0]}, {"producer", &key[1]}, {"tenant", &key[2]}}) << ' '
                << n << '\n';

    header(out, "meshdeck_events_duplicate_total", "counter",
           "Publishes answered as duplicates of an event already in the log.");
    for (const auto& [t, n] : duplicates_)
        if (!tenant || t == *tenant)
            out << "meshdeck_events_duplicate_total" << labels({{"tenant", &t}}) << ' ' << n
                << '\n';
    if (tenant)
        return out.str(); // what follows is the whole process's, not one tenant's

    header(out, "meshdeck_internal_errors_total", "counter",
           "Bugs caught by a last-resort boundary: each cost one request or session.");
    for (const auto& [where, n] : internalErrors_)
        out << "meshdeck_internal_errors_total" << labels({{"where", &where}}) << ' ' << n << '\n';

    header(out, "meshdeck_ingest_rejections_total", "counter",
           "Requests or events refused at ingest, by reason.");
    for (const auto& [reason, n] : rejections_)
        out << "meshdeck_ingest_rejections_total" << labels({{"reason", &reason}}) << ' ' << n
            << '\n';

    header(out, "meshdeck_http_requests_total", "counter", "HTTP requests by route and status.");
    for (const auto& [key, n] : requests_)
        out << "meshdeck_http_requests_total"
            << labels({{"method", &key[0]}, {"route", &key[1]}, {"status", &key[2]}}) << ' ' << n
            << '\n';

    header(out, "meshdeck_http_request_duration_ms", "histogram",
           "Time from request read to response queued, in milliseconds.");
    for (const auto& [route, h] : requestLatency_)
        histogram(out, "meshdeck_http_request_duration_ms", "route=\"" + escapeLabel(route) + "\"",
                  h);

    header(out, "meshdeck_commit_batch_jobs", "histogram",
           "Write jobs (requests) sharing one group commit.");
    histogram(out, "meshdeck_commit_batch_jobs", "", writer.commitBatchJobs);
    header(out, "meshdeck_commit_latency_ms", "histogram",
           "Group commit time from BEGIN to durable COMMIT, in milliseconds.");
    histogram(out, "meshdeck_commit_latency_ms", "", writer.commitLatencyMs);

    header(out, "meshdeck_writer_queue_depth", "gauge",
           "Weight (events) queued for the writer thread.");
    out << "meshdeck_writer_queue_depth " << writer.queuedWeight << '\n';
    header(out, "meshdeck_writer_commits_total", "counter", "Group commits.");
    out << "meshdeck_writer_commits_total " << writer.commits << '\n';
    header(out, "meshdeck_checkpoint_passes_total", "counter",
           "PASSIVE checkpoint passes (copy the WAL into the database; block no one).");
    out << "meshdeck_checkpoint_passes_total " << writer.checkpointPasses << '\n';
    header(out, "meshdeck_wal_rewinds_total", "counter",
           "Commits that started the WAL over after a checkpoint had copied all of it.");
    out << "meshdeck_wal_rewinds_total " << writer.walRewinds << '\n';
    header(out, "meshdeck_wal_restarts_total", "counter",
           "RESTART checkpoints: the WAL kept growing, so commits waited while it was rewound.");
    out << "meshdeck_wal_restarts_total " << writer.walRestarts << '\n';
    header(out, "meshdeck_log_last_seq", "gauge", "Highest seq in the event log.");
    out << "meshdeck_log_last_seq " << gauges.lastSeq << '\n';
    header(out, "meshdeck_log_events", "gauge", "Events stored in the log.");
    out << "meshdeck_log_events " << gauges.storedEvents << '\n';
    header(out, "meshdeck_quarantine_entries", "gauge", "Rejected inputs kept in quarantine.");
    out << "meshdeck_quarantine_entries " << gauges.quarantined << '\n';
    header(out, "meshdeck_http_connections", "gauge", "Open HTTP connections.");
    out << "meshdeck_http_connections " << gauges.openConnections << '\n';
    return out.str();
}

} // namespace meshdeck
