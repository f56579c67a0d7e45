#pragma once
// --demo's downstream systems: a small HTTP receiver on 127.0.0.1 standing in
// for a CRM and a sales-engagement tool, so the demo's consumers have real
// webhooks to deliver to. It answers like such systems do: mostly 200, a 429
// with Retry-After now and then, and a 422 for leads the "CRM" refuses, so
// retries, throttling and dead letters show up.
//
// Threads: the receiver runs one io thread of its own; answers are drawn
// there. received() may be read from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace meshdeck::demo {

struct ReceiverAnswer {
    int status = 200;
    std::string body;
    int retryAfterSeconds = 0; // 0: no Retry-After header
};

// How the downstream systems answer a delivery to `target` ("/crm",
// "/outreach"): the "CRM" refuses every body naming Initech, an archived
// account (a steady source of dead letters); about one request in 40 is
// throttled.
ReceiverAnswer demoReceiverAnswer(std::string_view target, std::string_view body,
                                  std::mt19937& random);

class DemoReceiver {
public:
    // Listens on 127.0.0.1 on a free port and starts answering. Throws
    // std::runtime_error when it cannot listen.
    DemoReceiver();
    ~DemoReceiver(); // stop()
    DemoReceiver(const DemoReceiver&) = delete;
    DemoReceiver& operator=(const DemoReceiver&) = delete;

    // "http://127.0.0.1:PORT"
    std::string url() const;
    int received() const { return received_.load(); }
    // Closes the listener and every connection, and joins the io thread.
    void stop();

    struct Impl; // public so the file's session can name it

private:
    std::unique_ptr<Impl> impl_;
    std::atomic<int> received_{0};
};

} // namespace meshdeck::demo
