// meshd's configuration file: the documented example loads as documented,
// and every mistake names the file, the field and what was expected.

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
};

QTEST_GUILESS_MAIN(ConfigTest)
#include "tst_config.moc"
