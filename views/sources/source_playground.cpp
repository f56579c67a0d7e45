#include "views/sources/source_playground.h"

#include "views/catalog/json_text.h"
#include "views/console/record_list_page.h"
#include "views/events/json_highlighter.h"
#include "views/flow/flow_layout.h"
#include "views/sources/test_item_model.h"

#include <QCheckBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>

namespace meshdeck::views {

namespace {

constexpr int kDebounceMs = 300;
// Sources take 1 MiB by default; a file many times that is not a vendor body.
constexpr qint64 kMaxFileBytes = 8 << 20;

QString plural(qsizetype n, const char* one, const char* many) {
    return QStringLiteral("%1 %2").arg(n).arg(QString::fromUtf8(n == 1 ? one : many));
}

// "3 items: 2 mapped, 1 ignored"
QString countOutcomes(const std::vector<protocol::SourceTestItem>& items) {
    QStringList parts;
    for (const char* outcome : {"mapped", "ignored", "no-match", "failed", "invalid"}) {
        const auto n = std::count_if(items.begin(), items.end(),
                                     [&](const auto& i) { return i.outcome == outcome; });
        if (n > 0)
            parts << QStringLiteral("%1 %2").arg(n).arg(outcomeText(outcome));
    }
    return plural(static_cast<qsizetype>(items.size()), "item", "items") + u": " +
           parts.join(QStringLiteral(", "));
}

QString rulePhrase(const protocol::SourceTestItem& item) {
    return item.rule.empty() ? QStringLiteral("a rule")
                             : QStringLiteral("rule “%1”").arg(toQString(item.rule));
}

// One sentence on what became of the item, for the line above its event.
QString describeItem(const protocol::SourceTestItem& item) {
    const QString reason = toQString(item.reason);
    if (item.outcome == "mapped")
        return QStringLiteral("Mapped by %1 to %2; a real request would publish this event.")
            .arg(rulePhrase(item), eventTypeOf(item.event));
    if (item.outcome == "ignored")
        return QStringLiteral("Ignored on purpose by %1%2: counted, not stored.")
            .arg(rulePhrase(item), reason.isEmpty() ? QString() : u" (" + reason + u')');
    if (item.outcome == "no-match")
        return QStringLiteral("No rule matches; a real request would keep this item in "
                              "quarantine%1")
            .arg(reason.isEmpty() ? QStringLiteral(".") : u": " + reason);
    if (item.outcome == "failed")
        return QStringLiteral("%1 matched but could not map this item; a real request would keep "
                              "it in quarantine%2")
            .arg(rulePhrase(item), reason.isEmpty() ? QStringLiteral(".") : u": " + reason);
    QStringList problems; // invalid: mapped, but the catalog's schema refuses the event
    for (const auto& v : item.violations)
        problems << (v.path.empty() ? toQString(v.message)
                                    : toQString(v.path) + u": " + toQString(v.message));
    return QStringLiteral("%1 mapped it, but the event does not meet its schema; a real request "
                          "would keep it in quarantine: %2")
        .arg(rulePhrase(item), problems.isEmpty() ? reason : problems.join(QStringLiteral("; ")));
}

} // namespace

HeaderLines parseHeaderLines(const QString& text) {
    HeaderLines out;
    const QStringList lines = text.split(u'\n');
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(u':');
        if (colon < 0) {
            out.problems
                << QStringLiteral("line %1 has no colon: write it as Name: value").arg(i + 1);
            continue;
        }
        const QString name = line.left(colon).trimmed();
        if (name.isEmpty() || name.contains(u' ')) {
            out.problems
                << QStringLiteral("line %1 has no header name before its colon").arg(i + 1);
            continue;
        }
        out.headers.emplace_back(name.toStdString(), line.mid(colon + 1).trimmed().toStdString());
    }
    return out;
}

QString bodyHint(const QString& kind) {
    if (kind == QLatin1String("hubspot"))
        return QStringLiteral(
            "Paste the JSON array HubSpot posts, e.g.\n"
            "[{\"eventId\": 4011932001, \"subscriptionType\": \"contact.creation\", "
            "\"objectId\": 9001, \"occurredAt\": 1764234843120, …}]\n"
            "or load one with “Load file…”. Each element is one item; the results follow "
            "as you type.");
    if (kind == QLatin1String("salesforce-outbound"))
        return QStringLiteral(
            "Paste an Outbound Message as Salesforce posts it: the SOAP envelope "
            "(<soapenv:Envelope …><soapenv:Body><notifications>…) with one <Notification> "
            "per record, or load one with “Load file…”.");
    if (kind == QLatin1String("segment"))
        return QStringLiteral(
            "Paste one call as Segment's Webhooks destination posts it, e.g.\n"
            "{\"type\": \"track\", \"event\": \"Demo Booked\", \"userId\": \"u-1\", "
            "\"messageId\": \"…\", \"properties\": {…}}\n"
            "or load one with “Load file…”.");
    if (kind == QLatin1String("generic"))
        return QStringLiteral(
            "Paste the JSON body your tool posts, or load one with “Load file…”. Items are "
            "read from the array the source's batch pointer names, else the body is one item.");
    return QStringLiteral("Paste a body as the vendor sends it, or load one with “Load file…”.");
}

QString headersHint(const QString& kind) {
    if (kind == QLatin1String("hubspot"))
        return QStringLiteral("X-HubSpot-Signature-v3: …\nX-HubSpot-Request-Timestamp: …");
    if (kind == QLatin1String("segment"))
        return QStringLiteral("X-Signature: …");
    if (kind == QLatin1String("salesforce-outbound"))
        return QStringLiteral("Salesforce signs no Outbound Message: the organization id in the "
                              "body is checked instead.");
    if (kind == QLatin1String("generic"))
        return QStringLiteral("The headers your tool signs with, e.g.\nwebhook-id: …\n"
                              "webhook-timestamp: …\nwebhook-signature: …");
    return {};
}

SourcePlayground::SourcePlayground(MeshSession& session, QWidget* parent)
    : QWidget(parent), session_(session), title_(new QLabel(this)), body_(new QPlainTextEdit(this)),
      headers_(new QPlainTextEdit(this)), headerProblems_(new QLabel(this)),
      verify_(new QCheckBox(QStringLiteral("Check signature"), this)),
      loadFile_(new QPushButton(QStringLiteral("Load file…"), this)), summary_(new QLabel(this)),
      verification_(new QLabel(this)), model_(new TestItemModel(this)),
      table_(new QTableView(this)), itemDetail_(new QLabel(this)), event_(new QPlainTextEdit(this)),
      highlighter_(new JsonHighlighter(event_->document())) {
    setObjectName(QStringLiteral("sourcePlayground"));
    body_->setObjectName(QStringLiteral("playgroundBody"));
    headers_->setObjectName(QStringLiteral("playgroundHeaders"));
    headerProblems_->setObjectName(QStringLiteral("playgroundHeaderProblems"));
    verify_->setObjectName(QStringLiteral("playgroundVerify"));
    loadFile_->setObjectName(QStringLiteral("playgroundLoadFile"));
    summary_->setObjectName(QStringLiteral("playgroundSummary"));
    verification_->setObjectName(QStringLiteral("playgroundVerification"));
    table_->setObjectName(QStringLiteral("playgroundResults"));
    itemDetail_->setObjectName(QStringLiteral("playgroundItemDetail"));
    event_->setObjectName(QStringLiteral("playgroundEvent"));

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    body_->setFont(mono);
    body_->setTabChangesFocus(true); // a tab in a vendor body is never needed
    headers_->setFont(mono);
    headers_->setTabChangesFocus(true);
    headers_->setLineWrapMode(QPlainTextEdit::NoWrap);
    headers_->setFixedHeight(headers_->fontMetrics().lineSpacing() * 4 + 12);
    verify_->setToolTip(QStringLiteral(
        "Also verify the vendor's signature headers with the source's secrets, as a real "
        "request is verified. Signatures carry a timestamp: an old one fails as stale."));
    loadFile_->setToolTip(QStringLiteral("Read a vendor body from a file"));
    for (QLabel* label : {headerProblems_, summary_, verification_, itemDetail_}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::PlainText);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    headerProblems_->hide();
    verification_->hide();
    QFont titleFont = title_->font();
    titleFont.setBold(true);
    title_->setFont(titleFont);

    setUpRecordTable(table_, model_);
    event_->setReadOnly(true);
    event_->setFont(mono);
    event_->setPlaceholderText(QStringLiteral("Select an item to see the event it becomes."));

    auto* bodyHeader = new QHBoxLayout;
    bodyHeader->addWidget(new QLabel(QStringLiteral("Vendor body"), this));
    bodyHeader->addStretch(1);
    bodyHeader->addWidget(loadFile_);
    auto* input = new QWidget(this);
    auto* inputLayout = new QVBoxLayout(input);
    inputLayout->setContentsMargins(0, 0, 4, 0);
    inputLayout->addLayout(bodyHeader);
    inputLayout->addWidget(body_, 1);
    inputLayout->addWidget(
        new QLabel(QStringLiteral("Headers (optional), one “Name: value” a line"), this));
    inputLayout->addWidget(headers_);
    inputLayout->addWidget(headerProblems_);
    inputLayout->addWidget(verify_);

    auto* eventPane = new QWidget(this);
    auto* eventLayout = new QVBoxLayout(eventPane);
    eventLayout->setContentsMargins(0, 0, 0, 0);
    eventLayout->addWidget(itemDetail_);
    eventLayout->addWidget(event_, 1);
    auto* resultSplitter = new QSplitter(Qt::Vertical, this);
    resultSplitter->setChildrenCollapsible(false);
    resultSplitter->addWidget(table_);
    resultSplitter->addWidget(eventPane);
    resultSplitter->setStretchFactor(0, 2);
    resultSplitter->setStretchFactor(1, 3);
    auto* output = new QWidget(this);
    auto* outputLayout = new QVBoxLayout(output);
    outputLayout->setContentsMargins(4, 0, 0, 0);
    outputLayout->addWidget(summary_);
    outputLayout->addWidget(verification_);
    outputLayout->addWidget(resultSplitter, 1);

    auto* sides = new QSplitter(Qt::Horizontal, this);
    sides->setObjectName(QStringLiteral("playgroundSplitter"));
    sides->setChildrenCollapsible(false);
    sides->addWidget(input);
    sides->addWidget(output);
    sides->setStretchFactor(0, 1);
    sides->setStretchFactor(1, 1);

    auto* heading = new QHBoxLayout;
    heading->addWidget(title_);
    auto* note = new QLabel(
        QStringLiteral("Nothing is stored: the body runs through verification and the rules only."),
        this);
    heading->addWidget(note, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(heading);
    layout->addWidget(sides, 1);

    debounce_.setSingleShot(true);
    debounce_.setInterval(kDebounceMs);
    connect(&debounce_, &QTimer::timeout, this, &SourcePlayground::run);
    connect(body_, &QPlainTextEdit::textChanged, this, &SourcePlayground::scheduleRun);
    connect(headers_, &QPlainTextEdit::textChanged, this, &SourcePlayground::scheduleRun);
    connect(verify_, &QCheckBox::toggled, this, &SourcePlayground::scheduleRun);
    connect(loadFile_, &QPushButton::clicked, this, &SourcePlayground::chooseFile);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SourcePlayground::showSelectedItem);
    setSource({}, {});
}

void SourcePlayground::setSource(const QString& name, const QString& kind) {
    body_->setPlaceholderText(bodyHint(kind));
    headers_->setPlaceholderText(headersHint(kind));
    // A shown placeholder is not redrawn when only its text changes.
    body_->viewport()->update();
    headers_->viewport()->update();
    title_->setText(name.isEmpty() ? QStringLiteral("Playground")
                                   : QStringLiteral("Playground: %1 (%2)").arg(name, kind));
    if (name == source_)
        return; // the same source (its kind may have changed): the draft stays
    if (!source_.isEmpty())
        drafts_[source_] = {body_->toPlainText(), headers_->toPlainText(), verify_->isChecked()};
    source_ = name;
    const Draft draft = drafts_.value(name);
    for (QObject* input : std::initializer_list<QObject*>{body_, headers_, verify_})
        input->blockSignals(true);
    body_->setPlainText(draft.body);
    headers_->setPlainText(draft.headers);
    verify_->setChecked(draft.verify);
    for (QObject* input : std::initializer_list<QObject*>{body_, headers_, verify_})
        input->blockSignals(false);
    const bool any = !name.isEmpty();
    for (QWidget* input : std::initializer_list<QWidget*>{body_, headers_, verify_, loadFile_})
        input->setEnabled(any);
    debounce_.stop();
    run(); // shows the draft's results, or clears the last source's
}

void SourcePlayground::retryIfUnanswered() {
    if (unanswered_ && !debounce_.isActive())
        run();
}

QString SourcePlayground::summary() const {
    return summary_->text();
}

void SourcePlayground::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        highlighter_->setPalette(palette());
        model_->setPalette(palette());
    }
}

void SourcePlayground::scheduleRun() {
    debounce_.start();
}

void SourcePlayground::run() {
    const quint64 sequence = ++sentSeq_;
    unanswered_ = false;
    const HeaderLines parsed = parseHeaderLines(headers_->toPlainText());
    headerProblems_->setText(parsed.problems.join(u'\n'));
    headerProblems_->setVisible(!parsed.problems.isEmpty());
    if (source_.isEmpty() || body_->toPlainText().trimmed().isEmpty()) {
        // Nothing to test: whatever is on its way is for an older body.
        shownSeq_ = sequence;
        model_->setRows(std::vector<protocol::SourceTestItem>{});
        table_->setEnabled(true);
        verification_->hide();
        summary_->setText(source_.isEmpty()
                              ? QStringLiteral("Select a source to try a vendor body against its "
                                               "rules.")
                              : QStringLiteral("Paste a body on the left: each item, its rule and "
                                               "its event show here as you type."));
        summary_->setStyleSheet({});
        showSelectedItem();
        return;
    }
    const protocol::SourceTestRequest test{
        body_->toPlainText().toStdString(), parsed.headers, verify_->isChecked(), {}};
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/sources/%1/test")
                       .arg(QString::fromLatin1(QUrl::toPercentEncoding(source_)));
    request.body = QByteArray::fromStdString(protocol::toJson(test));
    session_.request(request, this, [this, sequence](const MeshReply& reply) {
        receive(sequence, readAnswer<protocol::SourceTestResult>(reply), reply.status);
    });
}

void SourcePlayground::receive(quint64 sequence, const Answer<protocol::SourceTestResult>& answer,
                               int status) {
    if (sequence <= shownSeq_)
        return; // an answer to an older body than the one shown
    shownSeq_ = sequence;
    unanswered_ = status == 0;
    if (answer) {
        showResult(*answer);
    } else if (answer.unreadable) {
        showProblem(answer.error, true);
    } else if (status == 403) {
        showProblem(QStringLiteral("The broker refused the test: %1. Trying bodies takes an "
                                   "operator or admin token: connect with one under Mesh ▸ "
                                   "Connections….")
                        .arg(answer.error),
                    false);
    } else if (status == 404) {
        showProblem(QStringLiteral("The broker has no source %1 to test against (%2): it was "
                                   "deleted, or this meshd predates sources.")
                        .arg(source_, answer.error),
                    false);
    } else if (status == 0) {
        showProblem(QStringLiteral("The broker did not answer (%1). The test runs again when "
                                   "the console is back online, or when you edit the body.")
                        .arg(answer.error),
                    true);
    } else {
        showProblem(QStringLiteral("The broker refused the test: %1").arg(answer.error), true);
    }
}

void SourcePlayground::showResult(const protocol::SourceTestResult& result) {
    summary_->setStyleSheet({});
    if (!result.error.empty())
        summary_->setText(QStringLiteral("The body cannot be read, so a real request would be "
                                         "refused and nothing mapped: %1")
                              .arg(toQString(result.error)));
    else if (result.items.empty())
        summary_->setText(QStringLiteral("The body holds no items: nothing would be published."));
    else
        summary_->setText(countOutcomes(result.items));
    verification_->setVisible(result.verificationChecked);
    verification_->setText(
        result.verified ? QStringLiteral("✓ The signature verifies with the source's secrets.")
                        : QStringLiteral("✗ The signature does not verify, so a real request "
                                         "would be refused: %1")
                              .arg(toQString(result.verificationReason)));
    const QColor colour =
        healthColour(result.verified ? FlowHealth::Healthy : FlowHealth::Failing, palette());
    verification_->setStyleSheet(QStringLiteral("color: %1").arg(colour.name()));

    // The same row stays selected while the body is edited.
    const int selected = std::max(0, table_->currentIndex().row());
    model_->setRows(result.items);
    table_->setEnabled(true);
    if (model_->rowCount() > 0) {
        table_->selectRow(std::min(selected, model_->rowCount() - 1));
        table_->resizeColumnsToContents();
        for (int c = 0; c + 1 < model_->columnCount(); ++c)
            table_->setColumnWidth(c, std::min(table_->columnWidth(c), 260));
        // The header does not keep its last section stretched across model
        // resets: the reason takes the rest of the width again.
        table_->horizontalHeader()->setSectionResizeMode(TestItemModel::Reason,
                                                         QHeaderView::Stretch);
    }
    showSelectedItem();
}

void SourcePlayground::showProblem(const QString& problem, bool keepResults) {
    // The results of an earlier body stay, greyed: they no longer match the editor.
    summary_->setText(problem);
    summary_->setStyleSheet(
        QStringLiteral("color: %1").arg(healthColour(FlowHealth::Failing, palette()).name()));
    verification_->hide();
    if (!keepResults)
        model_->setRows(std::vector<protocol::SourceTestItem>{});
    table_->setEnabled(false);
    showSelectedItem();
}

void SourcePlayground::showSelectedItem() {
    const int row = table_->currentIndex().row();
    if (row < 0 || row >= model_->rowCount()) {
        itemDetail_->clear();
        itemDetail_->hide();
        event_->clear();
        return;
    }
    const protocol::SourceTestItem& item = model_->row(row);
    itemDetail_->setText(describeItem(item));
    itemDetail_->show();
    if (item.event.empty()) {
        event_->clear();
        event_->setPlaceholderText(QStringLiteral("No canonical event for this item."));
        return;
    }
    event_->setPlainText(jsontext::indented(
        QByteArrayView(item.event.data(), static_cast<qsizetype>(item.event.size()))));
}

void SourcePlayground::chooseFile() {
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Load a vendor body"), {},
        QStringLiteral("Vendor bodies (*.json *.xml *.txt);;All files (*)"));
    if (!path.isEmpty())
        loadFile(path);
}

bool SourcePlayground::loadFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showProblem(QStringLiteral("Could not open %1: %2").arg(path, file.errorString()), true);
        return false;
    }
    if (file.size() > kMaxFileBytes) {
        showProblem(QStringLiteral("%1 is %2 MB; the playground takes bodies of up to %3 MB.")
                        .arg(QFileInfo(path).fileName())
                        .arg(static_cast<double>(file.size()) / (1 << 20), 0, 'f', 1)
                        .arg(kMaxFileBytes >> 20),
                    true);
        return false;
    }
    body_->setPlainText(QString::fromUtf8(file.readAll()));
    debounce_.stop();
    run(); // a loaded body needs no waiting for more keystrokes
    return true;
}

} // namespace meshdeck::views
