#pragma once
// A console session to a test broker over real HTTP, opened: what the page
// tests start from.

#include "tests/support/test_broker.h"
#include "views/session/http_transport.h"
#include "views/session/mesh_session.h"

#include <memory>
#include <string>

namespace meshdeck::test {

inline std::unique_ptr<views::MeshSession> openSession(const std::string& url,
                                                       const std::string& token) {
    auto session = std::make_unique<views::MeshSession>(std::make_unique<views::HttpTransport>(
        QUrl(QString::fromStdString(url)), QByteArray::fromStdString(token)));
    session->open();
    return session;
}

inline std::unique_ptr<views::MeshSession> openSession(const TestBroker& mesh,
                                                       const std::string& token) {
    return openSession(mesh.url(), token);
}

} // namespace meshdeck::test
