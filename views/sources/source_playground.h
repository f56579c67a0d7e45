#pragma once
// The playground of one source: a vendor body (pasted, typed or loaded from a
// file), optional headers and a "check signature" box on one side; on the
// other, what POST /v1/sources/{name}/test makes of it - each vendor item's
// outcome, the rule that decided and the canonical event it became. Nothing
// is stored: the broker runs verification and the rules only.
//
// The test re-runs 300 ms after the last edit. Every request carries a
// sequence number and an answer older than the one shown is dropped, so a
// slow answer to an earlier body never replaces a newer one.

#include "core/protocol/source.h"
#include "views/session/mesh_session.h"
#include "views/session/protocol_adapter.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace meshdeck::views {

class JsonHighlighter;
class TestItemModel;

// "Name: value" lines as headers; a line without a colon or without a name
// is named in `problems` ("line 2 has no colon: write it as Name: value").
struct HeaderLines {
    std::vector<std::pair<std::string, std::string>> headers;
    QStringList problems;
};
HeaderLines parseHeaderLines(const QString& text);

// What to paste for a source of this kind, and which headers sign its requests.
QString bodyHint(const QString& kind);
QString headersHint(const QString& kind);

class SourcePlayground final : public QWidget {
    Q_OBJECT

public:
    explicit SourcePlayground(MeshSession& session, QWidget* parent = nullptr);

    // The source the body is tested against; empty: none. Each source keeps
    // its own draft while the page lives.
    void setSource(const QString& name, const QString& kind);
    QString source() const { return source_; }
    // Reads a body from a file into the editor; false (and the reason shown) when it cannot.
    bool loadFile(const QString& path);
    // Runs the test again now if the last attempt got no answer (the broker was away).
    void retryIfUnanswered();

    QPlainTextEdit* bodyEditor() const { return body_; }
    QPlainTextEdit* headersEditor() const { return headers_; }
    QCheckBox* verifyBox() const { return verify_; }
    TestItemModel* results() const { return model_; }
    QTableView* resultTable() const { return table_; }
    // The selected item's canonical event, indented.
    QPlainTextEdit* eventView() const { return event_; }
    // What the last answer said as a whole: counts, verification, or why there is none.
    QString summary() const;
    // The sequence number of the answer shown (0: none yet).
    quint64 shownSequence() const { return shownSeq_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Draft {
        QString body, headers;
        bool verify = false;
    };

    void scheduleRun();
    void run();
    void receive(quint64 sequence, const Answer<protocol::SourceTestResult>& answer, int status);
    void showResult(const protocol::SourceTestResult& result);
    void showProblem(const QString& problem, bool keepResults);
    void showSelectedItem();
    void chooseFile();

    MeshSession& session_;
    QString source_;
    QHash<QString, Draft> drafts_;
    QLabel* title_;
    QPlainTextEdit* body_;
    QPlainTextEdit* headers_;
    QLabel* headerProblems_;
    QCheckBox* verify_;
    QPushButton* loadFile_;
    QLabel* summary_;
    QLabel* verification_;
    TestItemModel* model_;
    QTableView* table_;
    QLabel* itemDetail_;
    QPlainTextEdit* event_;
    JsonHighlighter* highlighter_;
    QTimer debounce_;
    quint64 sentSeq_ = 0;  // the newest request's number
    quint64 shownSeq_ = 0; // the number of the answer (or clearing) shown
    bool unanswered_ = false;
};

} // namespace meshdeck::views
