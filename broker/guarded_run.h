#pragma once
// The last-resort boundary of the broker's event loops: a handler that throws
// is logged and counted (meshdeck_internal_errors_total), and the loop goes
// on. A bug costs the request or session it was serving, never the thread,
// and so never the process.

#include "broker/log.h"
#include "broker/metrics.h"

#include <boost/asio/io_context.hpp>
#include <exception>

namespace meshdeck {

inline void runGuarded(boost::asio::io_context& io, Metrics& metrics, const char* where) {
    for (;;) {
        try {
            io.run();
            return;
        } catch (const std::exception& e) {
            log::error("internal error", {{"thread", where}, {"error", e.what()}});
        } catch (...) {
            log::error("internal error", {{"thread", where}, {"error", "unknown exception"}});
        }
        metrics.countInternalError(where);
    }
}

} // namespace meshdeck
