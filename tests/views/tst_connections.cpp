// Saved meshes: names and URLs in QSettings, tokens only in an owner-only
// file, and the Connections dialog that edits and switches them.

#include "views/connections/connection_store.h"
#include "views/connections/connections_dialog.h"

#include <QCheckBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QTest>

using namespace meshdeck::views;

class ConnectionsTest : public QObject {
    Q_OBJECT

    QTemporaryDir config;
    QString tokenFile() const { return config.path() + QStringLiteral("/meshdeck/tokens.json"); }

private Q_SLOTS:
    void initTestCase() {
        // Before the first QSettings: everything lands in the temporary dir.
        qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("meshdeck-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("connections"));
    }

    void validate_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::addRow("https") << QStringLiteral("prod")
                               << QStringLiteral("https://mesh.internal:8787") << true;
        QTest::addRow("http") << QStringLiteral("dev") << QStringLiteral("http://127.0.0.1:8787")
                              << true;
        QTest::addRow("no name") << QString() << QStringLiteral("http://127.0.0.1:8787") << false;
        QTest::addRow("no scheme")
            << QStringLiteral("x") << QStringLiteral("mesh.internal:8787") << false;
        QTest::addRow("nats is not http")
            << QStringLiteral("x") << QStringLiteral("nats://n:4222") << false;
    }
    void validate() {
        QFETCH(QString, name);
        QFETCH(QString, url);
        QFETCH(bool, valid);
        QCOMPARE(ConnectionStore::validate({name, url, false}).isEmpty(), valid);
    }

    void savesTokensApartAndPrivately() {
        ConnectionStore store(tokenFile());
        QVERIFY(
            !store
                 .save({QStringLiteral("staging"), QStringLiteral("https://staging:8787"), true},
                       {})
                 .isEmpty()); // a new mesh needs a token
        QCOMPARE(
            store.save({QStringLiteral("staging"), QStringLiteral("https://staging:8787"), true},
                       "mdk_secret_staging"),
            QString());
        QCOMPARE(store.connections().size(), 1);
        QCOMPARE(store.connections().first(),
                 (MeshConnection{QStringLiteral("staging"), QStringLiteral("https://staging:8787"),
                                 true}));
        QCOMPARE(store.token(QStringLiteral("staging")), QByteArray("mdk_secret_staging"));
        QCOMPARE(QFile::permissions(tokenFile()) & 0x0077, QFileDevice::Permissions());

        // Editing without a token keeps the stored one.
        QCOMPARE(
            store.save({QStringLiteral("staging"), QStringLiteral("https://staging2:8787"), false},
                       {}),
            QString());
        QCOMPARE(store.token(QStringLiteral("staging")), QByteArray("mdk_secret_staging"));
        QCOMPARE(store.connections().first().url, QStringLiteral("https://staging2:8787"));

        // The token is in the token file and nowhere else under the config dir.
        QDirIterator it(config.path(), QDir::Files, QDirIterator::Subdirectories);
        int holders = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            if (f.readAll().contains("mdk_secret_staging")) {
                ++holders;
                QCOMPARE(QFileInfo(f).canonicalFilePath(),
                         QFileInfo(tokenFile()).canonicalFilePath());
            }
        }
        QCOMPARE(holders, 1);

        store.remove(QStringLiteral("staging"));
        QVERIFY(store.connections().isEmpty());
        QVERIFY(store.token(QStringLiteral("staging")).isEmpty());
    }

    void dialogAddsAndSwitches() {
        ConnectionStore store(tokenFile());
        ConnectionsDialog dialog(store, ConnectionsDialog::kEmbedded, true);
        auto* list = dialog.findChild<QListWidget*>(QStringLiteral("meshList"));
        auto* remove = dialog.findChild<QPushButton*>(QStringLiteral("removeButton"));
        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->text(), ConnectionsDialog::kEmbedded);
        QVERIFY(!remove->isEnabled()); // the embedded mesh stays

        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("newButton")),
                          Qt::LeftButton);
        dialog.findChild<QLineEdit*>(QStringLiteral("meshName"))->setText(QStringLiteral("prod"));
        dialog.findChild<QLineEdit*>(QStringLiteral("meshUrl"))
            ->setText(QStringLiteral("not a url"));
        dialog.findChild<QLineEdit*>(QStringLiteral("meshToken"))
            ->setText(QStringLiteral("mdk_prod"));
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("saveButton")),
                          Qt::LeftButton);
        QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("connectionMessage"))
                    ->text()
                    .contains(QStringLiteral("URL")));
        QCOMPARE(list->count(), 1);

        dialog.findChild<QLineEdit*>(QStringLiteral("meshUrl"))
            ->setText(QStringLiteral("https://prod:8787"));
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("saveButton")),
                          Qt::LeftButton);
        QCOMPARE(list->count(), 2);
        QCOMPARE(list->currentItem()->text(), QStringLiteral("prod"));
        QVERIFY(remove->isEnabled());
        QCOMPARE(store.token(QStringLiteral("prod")), QByteArray("mdk_prod"));

        QSignalSpy switched(&dialog, &ConnectionsDialog::connectRequested);
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("connectButton")),
                          Qt::LeftButton);
        QCOMPARE(switched.size(), 1);
        QCOMPARE(switched.at(0).at(0).toString(), QStringLiteral("prod"));
        store.remove(QStringLiteral("prod"));
    }
};

QTEST_MAIN(ConnectionsTest)
#include "tst_connections.moc"
