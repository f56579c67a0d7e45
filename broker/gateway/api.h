#pragma once
// The HTTP API as plain functions of a request: no sockets here, so every
// route can be reasoned about (and tested) apart from Beast. HttpServer turns
// wire requests into ApiRequest and hands back ApiResponse.
//
// Threads: handle() runs on a network thread. Routes that touch the disk for
// reads post their work to the reader pool; publishes hand their batch to the
// log's writer and answer from the writer's completion. `respond` may be
// called from any thread, exactly once.

#include "broker/auth.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace meshdeck {

struct ApiRequest {
    std::string method; // "GET", "POST", ...
    std::string path;   // "/v1/events" (percent-decoded, no query)
    std::multimap<std::string, std::string> query;
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;
    std::string peer; // "127.0.0.1:53422"
    // Runs work on the thread that serves this request's connection (set by
    // the HTTP server): an answer prepared there is written without another
    // hand-off between threads. Empty when there is no connection.
    std::function<void(std::function<void()>)> onConnection;
};

struct ApiResponse {
    int status = 200;
    std::string contentType = "application/json";
    std::map<std::string, std::string> headers;
    std::string body;
    std::string route; // for metrics: "/v1/events/{id}"
};

using Respond = std::function<void(ApiResponse)>;

class BrokerCore;

class Api {
public:
    explicit Api(BrokerCore& core);
    ~Api();
    void handle(ApiRequest request, Respond respond);

    // A 413 answered by the transport before the body was read is still
    // quarantined and counted here.
    ApiResponse bodyTooLarge(const ApiRequest& headersOnly, std::size_t limit);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace meshdeck
