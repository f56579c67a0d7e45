// meshd's configuration file: the documented example loads as documented,
// and every mistake names the file, the field and what was expected.

#include "broker/broker.h"
#include "broker/broker_core.h"
#include "broker/client/mesh_client.h"
#include "broker/config.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QtTest/QTest>
#include <fstream>

using namespace meshdeck;

class ConfigTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir;

    std::filesystem::path write(const std::string& text) {
        const auto path = std::filesystem::path(dir.path().toStdString()) / "meshd.json";
        std::ofstream(path) << text;
        return path;
    }

private Q_SLOTS:
    void documentedExampleLoads() {
        const auto example = std::filesystem::path(test::catalogDir().toStdString()).parent_path() /
                             "meshd.example.json";
        const BrokerConfig c = loadConfigFile(example);
        QCOMPARE(c.dataDir.string(), std::string("/var/lib/meshdeck"));
        QCOMPARE(c.listen.host, std::string("127.0.0.1"));
        QCOMPARE(c.listen.port, 8787);
        QVERIFY(c.tlsCert && c.tlsKey);
        QVERIFY(c.durability == Durability::Full);
        QCOMPARE(c.maxEventsPerRequest, std::size_t(1000));
        QCOMPARE(c.publishRatePerToken, 5000.0);
        QVERIFY(c.retentionMaxAge && c.retentionMaxAge->count() == 720);
        QCOMPARE(c.tokens.size(), std::size_t(2));
        QCOMPARE(c.tokens[0].record.name, std::string("hubspot-bridge"));
        QVERIFY(c.tokens[0].record.role == Role::Producer);
        QCOMPARE(c.tokens[0].record.eventTypes.size(), std::size_t(2));
        QCOMPARE(c.consumers.size(), std::size_t(2));
        QCOMPARE(c.consumers[0].name, std::string("crm-sync"));
        QCOMPARE(c.consumers[0].source, std::string("config"));
        QVERIFY(c.consumers[1].sink.kind == SinkKind::WebSocket);
    }

    void relativePathsFollowTheFile() {
        const auto path = write(R"({"data_dir": "mesh-data", "catalog": "schemas"})");
        const BrokerConfig c = loadConfigFile(path);
        QCOMPARE(c.dataDir, path.parent_path() / "mesh-data");
        QCOMPARE(c.catalogDir, path.parent_path() / "schemas");
    }

    void listenAddresses_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addRow("ipv4") << QStringLiteral("127.0.0.1:8787") << QStringLiteral("127.0.0.1")
                              << 8787;
        QTest::addRow("ipv6") << QStringLiteral("[::1]:9000") << QStringLiteral("::1") << 9000;
        QTest::addRow("all interfaces")
            << QStringLiteral(":8787") << QStringLiteral("0.0.0.0") << 8787;
        QTest::addRow("ephemeral")
            << QStringLiteral("127.0.0.1:0") << QStringLiteral("127.0.0.1") << 0;
    }
    void listenAddresses() {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        const auto a = parseListenAddress(text.toStdString());
        QCOMPARE(QString::fromStdString(a.host), host);
        QCOMPARE(int(a.port), port);
    }

    void mistakesNameTheField_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("not json") << QStringLiteral("{listen: 1}")
                                  << QStringLiteral("not valid JSON");
        QTest::addRow("unknown key") << QStringLiteral(R"({"lsiten": "x"})")
                                     << QStringLiteral("'lsiten' is not a known setting");
        QTest::addRow("port out of range")
            << QStringLiteral(R"({"listen": "127.0.0.1:70000"})") << QStringLiteral("0 to 65535");
        QTest::addRow("durability")
            << QStringLiteral(R"({"durability": "fast"})") << QStringLiteral("'durability'");
        QTest::addRow("tls without key")
            << QStringLiteral(R"({"tls": {"cert": "c.pem"}})") << QStringLiteral("'tls'");
        QTest::addRow("limit type") << QStringLiteral(R"({"limits": {"max_body_bytes": "big"}})")
                                    << QStringLiteral("limits.max_body_bytes");
        QTest::addRow("token role")
            << QStringLiteral(
                   R"({"tokens": [{"role": "king", "tenant": "a", "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]})")
            << QStringLiteral("tokens[0].role");
        QTest::addRow("token hash")
            << QStringLiteral(R"({"tokens": [{"role": "viewer", "tenant": "a", "sha256": "abc"}]})")
            << QStringLiteral("tokens[0].sha256");
        QTest::addRow("star tenant")
            << QStringLiteral(
                   R"({"tokens": [{"role": "operator", "tenant": "*", "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]})")
            << QStringLiteral("admin and viewer tokens");
        // Found by fuzz_config: numbers out of range, wrong shapes.
        QTest::addRow("timeout out of range")
            << QStringLiteral(R"({"limits":{"idle_timeout_seconds":1e300}})")
            << QStringLiteral("limits.idle_timeout_seconds");
        QTest::addRow("negative byte count")
            << QStringLiteral(R"({"limits":{"max_body_bytes":-1}})")
            << QStringLiteral("limits.max_body_bytes");
        QTest::addRow("threads not an object")
            << QStringLiteral(R"({"threads":5})") << QStringLiteral("threads");
        QTest::addRow("token name not a string")
            << QStringLiteral(
                   R"({"tokens": [{"role": "admin", "tenant": "*", "name": 5, "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]})")
            << QStringLiteral("tokens[0].name");
        QTest::addRow("consumer")
            << QStringLiteral(R"({"consumers": [{"name": "crm", "sink": {"type": "webhook"}}]})")
            << QStringLiteral("/consumers/0/sink/url");
    }
    void mistakesNameTheField() {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        const auto path = write(text.toStdString());
        try {
            loadConfigFile(path);
            QFAIL("expected a ConfigError");
        } catch (const ConfigError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QVERIFY2(message.contains(QString::fromStdString(path.string())) ||
                         message.contains(QStringLiteral("listen address")),
                     qPrintable(message));
        }
    }

    void documentedExampleDeclaresSources() {
        const auto example = std::filesystem::path(test::catalogDir().toStdString()).parent_path() /
                             "meshd.example.json";
        const BrokerConfig c = loadConfigFile(example);
        QCOMPARE(c.sources.size(), std::size_t(3));
        QVERIFY(c.sources[0].kind == SourceKind::HubSpot);
        QCOMPARE(c.sources[0].publicUrl, std::string("https://mesh.example.com/v1/hooks/hubspot"));
        QVERIFY(c.sources[1].kind == SourceKind::SalesforceOutbound);
        QVERIFY(c.sources[1].secrets.empty());
        QVERIFY(c.sources[2].kind == SourceKind::Segment);
        for (const SourceSpec& s : c.sources) {
            QCOMPARE(s.origin, std::string("config"));
            QCOMPARE(s.tenant, std::string("acme"));
        }
        QCOMPARE(c.mappingsDir, std::filesystem::path("/etc/meshdeck/mappings"));
        QVERIFY(c.consumers[0].sink.format == OutboundFormat::CloudEvents);
        QVERIFY(c.consumers[0].sink.cloudEventsMode == CloudEventsMode::Structured);
    }

    void configSourcesLoad() {
        // The URL in an ordinary string literal: moc reads "//" in a raw one as a comment.
        const auto path =
            write(R"({"sources": [{"name": "hs", "kind": "hubspot", "tenant": "acme", )"
                  R"("secrets": ["s1", "s2"], "public_url": )"
                  "\"https://mesh.example.com/v1/hooks/hs\"},"
                  R"({"name": "orders", "kind": "generic", "tenant": "globex", "secrets": ["t"], )"
                  R"("event_id_pointer": "/id", "mapping": "orders.json", )"
                  R"("verification": {"scheme": "header", "header": "X-Hook-Token"}}]})");
        const BrokerConfig c = loadConfigFile(path);
        QCOMPARE(c.sources.size(), std::size_t(2));
        QCOMPARE(c.sources[0].name, std::string("hs"));
        QCOMPARE(c.sources[0].secrets.size(), std::size_t(2));
        QCOMPARE(c.sources[0].origin, std::string("config"));
        QCOMPARE(c.sources[1].tenant, std::string("globex"));
        QCOMPARE(c.sources[1].mapping, std::string("orders.json"));
        QCOMPARE(c.sources[1].hmac.header, std::string("x-hook-token"));
        QCOMPARE(c.sources[1].origin, std::string("config"));
        QVERIFY(c.mappingsDir.empty());
    }

    void badSourceNamesItsPointer_data() {
        QTest::addColumn<QString>("sources");
        QTest::addColumn<QString>("mentions");
        const QString good = QStringLiteral(
            R"({"name": "seg", "kind": "segment", "tenant": "acme", "secrets": ["s"]})");
        QTest::addRow("unknown kind")
            << good + QStringLiteral(R"(, {"name": "x", "kind": "hubspot2", "tenant": "acme"})")
            << QStringLiteral("/sources/1/kind");
        QTest::addRow("secret missing")
            << good + QStringLiteral(R"(, {"name": "x", "kind": "segment", "tenant": "acme"})")
            << QStringLiteral("/sources/1/secrets");
        QTest::addRow("field of another kind")
            << good + QStringLiteral(R"(, {"name": "x", "kind": "segment", "tenant": "acme", )"
                                     R"("secrets": ["s"], "organization_id": "00D5g000004ABCD"})")
            << QStringLiteral("/sources/1/organization_id");
        QTest::addRow("misspelt field")
            << QStringLiteral(
                   R"({"name": "seg", "kind": "segment", "tenant": "acme", "secret": ["s"]})")
            << QStringLiteral("/sources/0/secret");
        QTest::addRow("not an object") << QStringLiteral("7") << QStringLiteral("/sources/0");
    }
    void badSourceNamesItsPointer() {
        QFETCH(QString, sources);
        QFETCH(QString, mentions);
        const auto path = write("{\"sources\": [" + sources.toStdString() + "]}");
        try {
            loadConfigFile(path);
            QFAIL("expected a ConfigError");
        } catch (const ConfigError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QVERIFY2(message.contains(QString::fromStdString(path.string())), qPrintable(message));
        }
    }

    void sourcesMustBeAnArray() {
        const auto path = write(R"({"sources": {"name": "seg"}})");
        QVERIFY_THROWS_EXCEPTION(ConfigError, loadConfigFile(path));
    }

    void mappingsFollowTheFile() {
        const auto path = write(R"({"mappings": "rules"})");
        QCOMPARE(loadConfigFile(path).mappingsDir, path.parent_path() / "rules");
        const auto absolute = write(R"({"mappings": "/etc/meshdeck/mappings"})");
        QCOMPARE(loadConfigFile(absolute).mappingsDir,
                 std::filesystem::path("/etc/meshdeck/mappings"));
    }

    // A config source is the file's: the API may neither replace nor delete it.
    void configSourceIsNotTheApis() {
        const auto path = write(R"({"sources": [{"name": "seg", "kind": "segment",
            "tenant": "acme", "secrets": ["shared"]}]})");
        BrokerConfig config = loadConfigFile(path);
        config.dataDir = dir.path().toStdString() + "/api-data";
        config.listen = ListenAddress{"127.0.0.1", 0};
        config.catalogDir = test::catalogDir().toStdString();
        Broker broker(std::move(config));
        broker.start();
        QVERIFY(broker.initialAdminToken());
        MeshClient admin(broker.url(), *broker.initialAdminToken());
        admin.setTimeout(std::chrono::seconds(10));

        const HttpResult listed = admin.get("/v1/sources/seg");
        QVERIFY2(listed.status == 200, qPrintable(QString::fromStdString(listed.body)));
        QVERIFY(listed.body.find(R"("origin":"config")") != std::string::npos);

        const HttpResult put =
            admin.request("PUT", "/v1/sources/seg",
                          R"({"kind": "segment", "tenant": "acme", "secrets": ["other"]})",
                          {{"content-type", "application/json"}});
        QVERIFY2(put.status == 409, qPrintable(QString::fromStdString(put.body)));
        QVERIFY2(put.body.find("config file") != std::string::npos, put.body.c_str());

        const HttpResult removed = admin.request("DELETE", "/v1/sources/seg");
        QVERIFY2(removed.status == 409, qPrintable(QString::fromStdString(removed.body)));

        // Still there, still the config file's.
        const HttpResult after = admin.get("/v1/sources/seg");
        QCOMPARE(after.status, 200);
        QVERIFY(after.body.find(R"("origin":"config")") != std::string::npos);
        broker.stop();
    }

    // meshd refuses to start rather than run a source it cannot map.
    void missingMappingFileRefusesStart() {
        const auto path = write(R"({"mappings": "rules", "sources": [{"name": "seg",
            "kind": "segment", "tenant": "acme", "secrets": ["s"], "mapping": "segment-v9.json"}]})");
        BrokerConfig config = loadConfigFile(path);
        config.dataDir = dir.path().toStdString() + "/refused-data";
        config.catalogDir = test::catalogDir().toStdString();
        try {
            BrokerCore core(std::move(config));
            QFAIL("expected a ConfigError");
        } catch (const ConfigError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QStringLiteral("source seg")), qPrintable(message));
            QVERIFY2(message.contains(QStringLiteral("segment-v9.json")), qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(ConfigTest)
#include "tst_config.moc"
