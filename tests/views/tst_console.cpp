// The console's frame on the offscreen platform, against a real embedded
// mesh: the embedded broker and its token file, page switching, the status
// bar's connection state, and the demo stack's events passing their schemas.

#include "broker/client/mesh_client.h"
#include "console_pages.h"
#include "demo_stack.h"
#include "embedded_mesh.h"
#include "tests/support/meshd_process.h"
#include "tests/support/test_support.h"
#include "views/console/main_window.h"
#include "views/console/page.h"
#include "views/console/record_list_page.h"
#include "views/overview/overview_page.h"
#include "views/session/http_transport.h"
#include "views/trace/trace_page.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <nlohmann/json.hpp>
#include <tuple>

using namespace meshdeck;
using namespace meshdeck::views;

namespace {

class CountingPage final : public Page {
public:
    CountingPage(MeshSession& session, QString title)
        : Page(session, nullptr), title_(std::move(title)) {}
    QString title() const override { return title_; }
    void activate() override { ++activations; }
    int activations = 0;

private:
    QString title_;
};

std::unique_ptr<MeshSession> sessionFor(const EmbeddedMesh& mesh) {
    return std::make_unique<MeshSession>(
        std::make_unique<HttpTransport>(QUrl(mesh.url()), mesh.adminToken()));
}

} // namespace

class ConsoleTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        qputenv("MESHDECK_CATALOG", test::catalogDir().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("meshdeck-tests"));
    }

    void embeddedMeshKeepsItsTokenPrivate() {
        QTemporaryDir dir;
        QByteArray first;
        {
            EmbeddedMesh mesh(dir.path());
            first = mesh.adminToken();
            QVERIFY(first.startsWith("mdk_"));
            QVERIFY(mesh.url().startsWith(QStringLiteral("http://127.0.0.1:")));
        }
        const QString tokenFile = dir.path() + QStringLiteral("/console.token");
        QCOMPARE(QFile::permissions(tokenFile) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        // The next start finds the same token.
        EmbeddedMesh again(dir.path());
        QCOMPARE(again.adminToken(), first);
    }

    void lostTokenFileIsReplaced() {
        QTemporaryDir dir;
        { EmbeddedMesh mesh(dir.path()); }
        QVERIFY(QFile::remove(dir.path() + QStringLiteral("/console.token")));
        EmbeddedMesh mesh(dir.path());
        MeshClient client(mesh.url().toStdString(), mesh.adminToken().toStdString());
        QCOMPARE(client.get("/v1/whoami").status, 200);
    }

    void windowSwitchesPagesAndShowsTheConnection() {
        QTemporaryDir dir;
        auto mesh = std::make_unique<EmbeddedMesh>(dir.path());
        auto session = sessionFor(*mesh);
        MainWindow window(*session, QStringLiteral("Embedded mesh"));
        auto* events = new CountingPage(*session, QStringLiteral("Events"));
        auto* catalog = new CountingPage(*session, QStringLiteral("Catalog"));
        window.addPage(events);
        window.addPage(catalog);
        window.show();
        session->open();
        QTRY_COMPARE(session->state(), SessionState::Online);

        auto* state = window.findChild<QLabel*>(QStringLiteral("stateLabel"));
        auto* meshLabel = window.findChild<QLabel*>(QStringLiteral("meshLabel"));
        QVERIFY(state && meshLabel);
        QTRY_COMPARE(state->text(), QStringLiteral("Online"));
        QVERIFY(meshLabel->text().contains(QStringLiteral("meshd " MESHDECK_VERSION)));
        QVERIFY(meshLabel->text().contains(QStringLiteral("admin of every tenant")));
        QTRY_VERIFY(window.findChild<QLabel*>(QStringLiteral("roundTripLabel"))
                        ->text()
                        .startsWith(QStringLiteral("RTT ")));

        QTest::keyClick(&window, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(window.currentPage(), catalog);
        QVERIFY(catalog->activations >= 1);
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(window.currentPage(), events);

        // The mesh goes away: the status bar says so, with the reason.
        mesh.reset();
        QTRY_VERIFY_WITH_TIMEOUT(state->text().startsWith(QStringLiteral("Offline")), 10000);
        QVERIFY(state->text().size() > QStringLiteral("Offline: ").size());
    }

    void attachesToASeparateMeshd() {
        QTemporaryDir dir;
        test::MeshdProcess meshd(dir.path());
        MeshClient producer(meshd.url(), meshd.adminToken());
        nlohmann::json batch = nlohmann::json::array();
        for (int i = 0; i < 5; ++i)
            batch.push_back({{"event_type", "LeadCreated"},
                             {"occurred_at", "2026-11-27T09:00:00Z"},
                             {"producer", "hubspot"},
                             {"tenant_id", "acme"},
                             {"entity", {{"kind", "lead"}, {"id", "L-" + std::to_string(i)}}},
                             {"payload", {{"lead_id", "L-" + std::to_string(i)}}}});
        QCOMPARE(producer.postJson("/v1/events", batch.dump()).status, 202);

        MeshSession session(
            std::make_unique<HttpTransport>(QUrl(QString::fromStdString(meshd.url())),
                                            QByteArray::fromStdString(meshd.adminToken())));
        MainWindow window(session, QStringLiteral("remote"));
        auto* overview = new OverviewPage(session, &window);
        window.addPage(overview);
        window.show();
        session.open();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), SessionState::Online, 5000);
        auto* stored = window.findChild<QPushButton*>(QStringLiteral("storedTile"));
        QTRY_COMPARE_WITH_TIMEOUT(stored->findChildren<QLabel*>().first()->text(),
                                  QStringLiteral("5"), 5000);

        // The separate process goes away: the console says so instead of freezing.
        QCOMPARE(meshd.terminate(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), SessionState::Offline, 10000);
    }

    void pagesLeadToEachOther() {
        QTemporaryDir dir;
        auto mesh = std::make_unique<EmbeddedMesh>(dir.path());
        MeshClient client(mesh->url().toStdString(), mesh->adminToken().toStdString());
        const nlohmann::json event = {
            {"event_type", "LeadScored"},
            {"occurred_at", "2026-11-27T09:14:03.120Z"},
            {"producer", "enrichment-service"},
            {"tenant_id", "acme"},
            {"correlation_id", "journey-wiring"},
            {"entity", {{"kind", "lead"}, {"id", "L-1"}}},
            {"payload", {{"lead_id", "L-1"}, {"score", 7}, {"model", "m"}}}};
        QCOMPARE(client.postJson("/v1/events", event.dump()).status, 202);

        QSettings().remove(QStringLiteral("window/page"));
        auto session = sessionFor(*mesh);
        MainWindow window(*session, QStringLiteral("Embedded mesh"));
        addConsolePages(window, *session);
        window.show();
        session->open();
        QTRY_COMPARE(session->state(), SessionState::Online);
        QCOMPARE(window.currentPage()->title(), QStringLiteral("Overview"));
        QTest::keyClick(&window, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(window.currentPage()->title(), QStringLiteral("Flow map"));

        // An event's "Open trace" opens its journey on the Trace page.
        window.showPageTitled(QStringLiteral("Events"));
        auto* table = window.findChild<QTableView*>(QStringLiteral("eventsTable"));
        QVERIFY(table);
        QTRY_COMPARE(table->model()->rowCount(), 1);
        table->selectRow(0);
        auto* openTrace = window.findChild<QPushButton*>(QStringLiteral("openTraceButton"));
        QTRY_VERIFY(openTrace->isEnabled());
        openTrace->click();
        auto* trace = qobject_cast<TracePage*>(window.currentPage());
        QVERIFY(trace);
        QTRY_VERIFY(trace->timeline()->rowCount() > 0);

        // The window remembers its page by title, so new pages do not shift it.
        window.close();
        QCOMPARE(QSettings().value(QStringLiteral("window/page")).toString(),
                 QStringLiteral("Trace"));
        MainWindow reopened(*session, QStringLiteral("Embedded mesh"));
        addConsolePages(reopened, *session);
        QTRY_COMPARE(reopened.currentPage()->title(), QStringLiteral("Trace"));
        QSettings().remove(QStringLiteral("window/page"));
    }

    // Every page, empty and with the demo's data, fits half of a 1920-px
    // screen and a 1366x768 laptop's: the window's minimum size never
    // forces it wider or taller.
    void everyPageFitsHalfAWideScreen() {
        QTemporaryDir dir;
        EmbeddedMesh mesh(dir.path());
        auto session = sessionFor(mesh);
        MainWindow window(*session, QStringLiteral("Embedded mesh"));
        addConsolePages(window, *session);
        window.resize(900, 650);
        window.show();
        session->open();
        QTRY_COMPARE(session->state(), SessionState::Online);
        // What is too big on each page, with the widest widget (to fix), or
        // an empty string when every page fits.
        const auto tooBig = [&](const char* when) {
            QString found;
            for (int i = 0; i < window.pageCount(); ++i) {
                window.showPage(i);
                QCoreApplication::processEvents();
                const QSize minimum = window.minimumSizeHint().expandedTo(window.minimumSize());
                if (minimum.width() <= 960 && minimum.height() <= 700)
                    continue;
                const bool tooWide = minimum.width() > 960;
                const auto needs = [tooWide](QWidget* w) {
                    return tooWide ? qMax(w->minimumWidth(), w->minimumSizeHint().width())
                                   : qMax(w->minimumHeight(), w->minimumSizeHint().height());
                };
                // The window is as wide (tall) as its widest (tallest) page
                // needs, shown or not.
                Page* page = window.currentPage();
                for (int k = 0; k < window.pageCount(); ++k) {
                    window.showPage(k);
                    if (needs(window.currentPage()) > needs(page))
                        page = window.currentPage();
                }
                window.showPage(i);
                QWidget* widest = nullptr;
                for (auto* w : page->findChildren<QWidget*>())
                    if (!widest || needs(w) > needs(widest))
                        widest = w;
                found += QStringLiteral("%1 on page %2 the window needs at least %3x%4 (page "
                                        "%5 needs %6 px; its largest part that way: %7 %8, "
                                        "%9 px); ")
                             .arg(QLatin1String(when), window.currentPage()->title())
                             .arg(minimum.width())
                             .arg(minimum.height())
                             .arg(page->title())
                             .arg(needs(page))
                             .arg(QLatin1String(widest ? widest->metaObject()->className() : "-"),
                                  widest ? widest->objectName() : QString())
                             .arg(widest ? needs(widest) : 0);
            }
            return found;
        };
        const QString empty = tooBig("empty:");
        QVERIFY2(empty.isEmpty(), qPrintable(empty));
        DemoStack demo(*session, QStringLiteral("acme"));
        demo.start(20);
        QTRY_VERIFY_WITH_TIMEOUT(demo.published() >= 150, 20000);
        QTest::qWait(2500); // the pages' next refresh shows the data
        const QString full = tooBig("with data:");
        QVERIFY2(full.isEmpty(), qPrintable(full));
    }

    // Ctrl+number opens a page with the cursor in its search field, so a
    // person can type the id at once.
    void shortcutFocusesThePagesSearch() {
        QTemporaryDir dir;
        EmbeddedMesh mesh(dir.path());
        auto session = sessionFor(mesh);
        MainWindow window(*session, QStringLiteral("Embedded mesh"));
        addConsolePages(window, *session);
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        int checked = 0;
        for (int i = 0; i < std::min(window.pageCount(), 9); ++i) {
            window.showPage(0);
            window.setFocus();
            QTest::keyClick(&window, static_cast<Qt::Key>(Qt::Key_1 + i), Qt::ControlModifier);
            QLineEdit* field = window.currentPage()->searchField();
            if (!field)
                continue;
            ++checked;
            QTRY_COMPARE(QApplication::focusWidget(), field);
        }
        QVERIFY2(checked >= 3, "Events, Catalog and Trace have a search field");
    }

    // On a server without a display, meshdeck still answers --help and
    // --version, and says what to run instead of aborting in Qt's
    // platform plugin.
    void commandLineWithoutADisplay() {
        const auto run = [](const QStringList& arguments) {
            QProcess process;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
                env.remove(QString::fromLatin1(name));
            process.setProcessEnvironment(env);
            process.start(test::binDir() + QStringLiteral("/meshdeck"), arguments);
            [&] {
                QVERIFY(process.waitForFinished(20000));
            }();
            return std::make_tuple(process.exitStatus() == QProcess::NormalExit ? process.exitCode()
                                                                                : -1,
                                   QString::fromUtf8(process.readAllStandardOutput()),
                                   QString::fromUtf8(process.readAllStandardError()));
        };
        const auto [helpCode, help, helpErrors] = run({QStringLiteral("--help")});
        QCOMPARE(helpCode, 0);
        QVERIFY2(help.contains(QStringLiteral("--attach <URL>")), qPrintable(help + helpErrors));
        const auto [versionCode, version, versionErrors] = run({QStringLiteral("--version")});
        QCOMPARE(versionCode, 0);
        QCOMPARE(version.trimmed(), QStringLiteral("meshdeck " MESHDECK_VERSION));
        const auto [code, out, errors] = run({QStringLiteral("--demo")});
        QCOMPARE(code, 1);
        QVERIFY2(errors.contains(QStringLiteral("no display")), qPrintable(errors));
        QVERIFY2(errors.contains(QStringLiteral("meshd --data DIR [--demo]")), qPrintable(errors));
        const auto [wrongCode, wrongOut, wrong] = run({QStringLiteral("--bogus")});
        QCOMPARE(wrongCode, 2);
        QVERIFY2(wrong.contains(QStringLiteral("Unknown option 'bogus'")), qPrintable(wrong));
    }

    void demoStackEventsPassTheirContracts() {
        QTemporaryDir dir;
        EmbeddedMesh mesh(dir.path());
        auto session = sessionFor(mesh);
        session->open();
        QTRY_COMPARE(session->state(), SessionState::Online);
        DemoStack demo(*session, QStringLiteral("acme"));
        demo.start(20);
        QTRY_VERIFY_WITH_TIMEOUT(demo.published() >= 120, 20000);

        MeshClient client(mesh.url().toStdString(), mesh.adminToken().toStdString());
        const auto health = nlohmann::json::parse(client.get("/healthz").body);
        QVERIFY(health["events"].get<int>() >= 120);
        // Only the deliberately broken legacy import ends in quarantine.
        const auto quarantine = nlohmann::json::parse(client.get("/v1/quarantine?limit=1000").body);
        QVERIFY(!quarantine["entries"].empty());
        for (const auto& entry : quarantine["entries"])
            QVERIFY2(entry["body"].get<std::string>().find("legacy-import") != std::string::npos,
                     entry["body"].get<std::string>().c_str());
    }
};

QTEST_MAIN(ConsoleTest)
#include "tst_console.moc"
