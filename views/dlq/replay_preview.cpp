#include "views/dlq/replay_preview.h"

#include "core/protocol/consumer_status.h"
#include "views/session/protocol_adapter.h"

#include <QDialogButtonBox>
#include <QFrame>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QStyle>
#include <QVBoxLayout>
#include <set>

namespace meshdeck::views {

namespace {

using delivery::FailureClass;

// The keys receivers put their reason under, the most specific first.
const QStringList& reasonKeys() {
    static const QStringList keys{QStringLiteral("message"), QStringLiteral("error"),
                                  QStringLiteral("detail"), QStringLiteral("title"),
                                  QStringLiteral("reason")};
    return keys;
}

QString firstLine(const QString& text) {
    return text.trimmed().section(u'\n', 0, 0).trimmed();
}

QString reasonIn(const QJsonValue& value);

QString reasonIn(const QJsonObject& object) {
    for (const QString& key : reasonKeys())
        if (const QString words = reasonIn(object.value(key)); !words.isEmpty())
            return words;
    // JSON:API and GraphQL: {"errors": [{"message": ...}]}.
    return reasonIn(object.value(QLatin1String("errors")));
}

QString reasonIn(const QJsonValue& value) {
    if (value.isString())
        return value.toString().simplified();
    if (value.isObject())
        return reasonIn(value.toObject());
    // Salesforce: [{"message": "...", "errorCode": "..."}].
    if (value.isArray() && !value.toArray().isEmpty())
        return reasonIn(value.toArray().first());
    return {};
}

// A body cut short by the broker's excerpt does not parse: the first
// reason key's string is read from the text itself (to where it was cut).
QString reasonInCutJson(const QString& body) {
    for (const QString& key : reasonKeys()) {
        static const QString pattern = QStringLiteral(R"re("%1"\s*:\s*"((?:[^"\\]|\\.)*)("?))re");
        const QRegularExpressionMatch m = QRegularExpression(pattern.arg(key)).match(body);
        if (!m.hasMatch())
            continue;
        const QJsonDocument unescaped =
            QJsonDocument::fromJson("[\"" + m.captured(1).toUtf8() + "\"]");
        const QString words =
            unescaped.isArray() ? unescaped.array().first().toString() : m.captured(1);
        return words.simplified() + (m.captured(2).isEmpty() ? QStringLiteral("…") : QString());
    }
    return {};
}

// The receiver's words in a response body; "" when it said nothing readable.
QString reasonInBody(const QString& body) {
    const QString trimmed = body.trimmed();
    if (trimmed.isEmpty())
        return {};
    const QJsonDocument json = QJsonDocument::fromJson(trimmed.toUtf8());
    if (json.isObject())
        return reasonIn(json.object());
    if (json.isArray())
        return reasonIn(json.array().isEmpty() ? QJsonValue() : json.array().first());
    if (trimmed.startsWith(u'{') || trimmed.startsWith(u'['))
        return reasonInCutJson(trimmed);
    if (trimmed.startsWith(u'<')) { // an HTML error page: its title at most
        static const QRegularExpression title(QStringLiteral("<title>([^<]*)</title>"),
                                              QRegularExpression::CaseInsensitiveOption);
        return title.match(trimmed).captured(1).simplified();
    }
    return firstLine(trimmed);
}

// A letter's error as the broker writes it: "HTTP 422 Unprocessable Entity"
// and, when the receiver answered with a body, ": " and its start.
struct ErrorParts {
    QString statusLine; // "HTTP 422 Unprocessable Entity", "" when there was no answer
    QString status;     // "HTTP 422"
    QString body;
};

ErrorParts splitError(const QString& error) {
    static const QRegularExpression http(QStringLiteral(R"(^(HTTP (\d{3})[^:\n]*)(?:: ?)?)"));
    const QRegularExpressionMatch m = http.match(error);
    if (!m.hasMatch())
        return {};
    return {m.captured(1).trimmed(), QStringLiteral("HTTP ") + m.captured(2),
            error.mid(m.capturedEnd(0))};
}

// "HTTP 422: owner unknown", or the reason alone when there was no answer.
QString statusAndReason(const DeadLetter& letter) {
    const QString status = answerStatus(letter);
    const QString reason = receiverReason(letter);
    if (status.isEmpty())
        return reason;
    if (reason.startsWith(status))
        return reason;
    return QStringLiteral("%1: %2").arg(status, reason);
}

// The letters of the outlook's classes, and the sentence's subject for them.
struct Concerned {
    std::vector<const DeadLetter*> letters;
    QString subject(std::size_t total) const {
        if (letters.size() == total)
            return total == 1 ? QStringLiteral("this event") : QStringLiteral("these events");
        return QStringLiteral("%1 of these %2 events").arg(letters.size()).arg(total);
    }
};

} // namespace

QString receiverReason(const DeadLetter& letter) {
    return receiverReasonIn(toQString(letter.error));
}

QString receiverReasonIn(const QString& error) {
    const ErrorParts parts = splitError(error);
    if (parts.statusLine.isEmpty())
        return firstLine(error);
    const QString words = reasonInBody(parts.body);
    return words.isEmpty() ? parts.statusLine : words;
}

QString receiverReason(const AttemptRecord& attempt) {
    const QString words = reasonInBody(toQString(attempt.response));
    return words.isEmpty() ? firstLine(toQString(attempt.error)) : words;
}

QString answerStatus(const DeadLetter& letter) {
    return splitError(toQString(letter.error)).status;
}

ReplayRisk assessReplay(const std::vector<DeadLetter>& letters) {
    if (letters.empty())
        return {ReplayOutlook::Unclear, QStringLiteral("Nothing to replay.")};
    const auto of = [&letters](std::initializer_list<FailureClass> classes) {
        Concerned c;
        for (const auto& d : letters)
            if (std::find(classes.begin(), classes.end(), d.failureClass) != classes.end())
                c.letters.push_back(&d);
        return c;
    };
    const std::size_t total = letters.size();
    if (const Concerned refused = of({FailureClass::Invalid}); !refused.letters.empty())
        return {ReplayOutlook::LikelyToFailAgain,
                QStringLiteral("The receiver refused %1 %2 (%3). Sending the same payload again "
                               "will most likely fail the same way unless the receiver was "
                               "changed. %4")
                    .arg(refused.subject(total),
                         refused.letters.size() == 1 ? QStringLiteral("itself")
                                                     : QStringLiteral("themselves"),
                         statusAndReason(*refused.letters.front()),
                         total == 1 ? QStringLiteral("Edit and replay instead?")
                                    : QStringLiteral("Edit and replay them one at a time "
                                                     "instead, or fix the receiver first."))};
    if (const Concerned auth = of({FailureClass::Auth}); !auth.letters.empty())
        return {ReplayOutlook::FixFirst,
                QStringLiteral("The receiver refused %1's credentials (%2). Fix the consumer's "
                               "credentials or signing secret first: until then every replay "
                               "fails the same way.")
                    .arg(toQString(auth.letters.front()->consumer),
                         statusAndReason(*auth.letters.front()))};
    const Concerned passing =
        of({FailureClass::Transport, FailureClass::Server, FailureClass::Throttled});
    if (passing.letters.size() == total) {
        const DeadLetter& first = *passing.letters.front();
        const QString how = first.failureClass == FailureClass::Transport
                                ? QStringLiteral("the receiver could not be reached")
                            : first.failureClass == FailureClass::Throttled
                                ? QStringLiteral("the receiver asked to slow down")
                                : QStringLiteral("the receiver was failing");
        return {ReplayOutlook::LikelyToPass,
                QStringLiteral("%1 failed because %2 (%3): a passing fault. %4 will most likely "
                               "go through if the receiver is up now.")
                    .arg(total == 1 ? QStringLiteral("This event") : QStringLiteral("These events"),
                         how, statusAndReason(first),
                         total == 1 ? QStringLiteral("It") : QStringLiteral("They"))};
    }
    const Concerned other = of({FailureClass::Other, FailureClass::Stale, FailureClass::None});
    return {ReplayOutlook::Unclear,
            QStringLiteral("The receiver answered %1 for %2: it may have been mid-deploy, or the "
                           "consumer's URL may be wrong. Check that it answers before sending "
                           "again.")
                .arg(statusAndReason(*other.letters.front()), other.subject(total))};
}

QString letterList(const std::vector<DeadLetter>& letters, int shown) {
    QStringList lines;
    for (std::size_t i = 0; i < letters.size() && i < static_cast<std::size_t>(shown); ++i) {
        const DeadLetter& d = letters[i];
        lines << QStringLiteral("• %1 %2 (%3) → %4: %5")
                     .arg(toQString(d.eventType), toQString(d.entity), toQString(d.eventId),
                          toQString(d.consumer), receiverReason(d));
    }
    if (letters.size() > static_cast<std::size_t>(shown))
        lines << QStringLiteral("… and %1 more").arg(letters.size() - shown);
    return lines.join(u'\n');
}

QString countsByConsumer(const std::vector<DeadLetter>& letters) {
    QMap<QString, int> counts;
    for (const auto& d : letters)
        ++counts[toQString(d.consumer)];
    QStringList parts;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        parts << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
    return parts.join(QStringLiteral(" · "));
}

ReplayPreviewDialog::ReplayPreviewDialog(std::vector<DeadLetter> letters, QWidget* parent)
    : QDialog(parent), letters_(std::move(letters)), risk_(assessReplay(letters_)),
      assessment_(new QLabel(risk_.sentence, this)), circuits_(new QLabel(this)),
      replay_(new QPushButton(QStringLiteral("Replay %1").arg(letters_.size()), this)) {
    setObjectName(QStringLiteral("replayPreview"));
    setWindowTitle(QStringLiteral("Replay dead letters"));
    const int n = static_cast<int>(letters_.size());
    auto* heading = new QLabel(
        QStringLiteral("<b>Send %1 again</b>, each to its own consumer only, with its original "
                       "event_id.")
            .arg(n == 1 ? QStringLiteral("1 letter") : QStringLiteral("%1 letters").arg(n)),
        this);
    auto* consumers =
        new QLabel(QStringLiteral("By consumer: %1").arg(countsByConsumer(letters_)), this);
    consumers->setObjectName(QStringLiteral("replayConsumers"));
    // One line per letter, scrolled rather than wrapped: twelve lines of ids
    // wrapped would push the assessment and the buttons off a laptop's screen.
    auto* list = new QPlainTextEdit(letterList(letters_), this);
    list->setObjectName(QStringLiteral("replayLetters"));
    list->setReadOnly(true);
    list->setLineWrapMode(QPlainTextEdit::NoWrap);
    list->setFrameShape(QFrame::NoFrame);
    list->viewport()->setBackgroundRole(QPalette::Window);
    const int lines = std::min(13, static_cast<int>(list->document()->blockCount()));
    list->setFixedHeight(list->fontMetrics().lineSpacing() * (lines + 1) +
                         2 * static_cast<int>(list->document()->documentMargin()) +
                         list->horizontalScrollBar()->sizeHint().height());

    // The outlook in a frame with the style's icon for how serious it is.
    auto* frame = new QFrame(this);
    frame->setFrameShape(QFrame::StyledPanel);
    auto* icon = new QLabel(frame);
    const QStyle::StandardPixmap pixmap = risk_.outlook == ReplayOutlook::LikelyToPass
                                              ? QStyle::SP_MessageBoxInformation
                                              : QStyle::SP_MessageBoxWarning;
    const int side = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(style()->standardIcon(pixmap, nullptr, this).pixmap(side, side));
    icon->setAlignment(Qt::AlignTop);
    for (auto* label : {assessment_, circuits_}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::PlainText);
    }
    assessment_->setObjectName(QStringLiteral("replayAssessment"));
    circuits_->setObjectName(QStringLiteral("replayCircuits"));
    circuits_->hide();
    auto* words = new QVBoxLayout;
    words->addWidget(assessment_);
    words->addWidget(circuits_);
    auto* frameLayout = new QHBoxLayout(frame);
    frameLayout->addWidget(icon);
    frameLayout->addLayout(words, 1);

    auto* buttons = new QDialogButtonBox(this);
    replay_->setObjectName(QStringLiteral("replayConfirm"));
    buttons->addButton(replay_, QDialogButtonBox::AcceptRole);
    if (n == 1) {
        edit_ = new QPushButton(QStringLiteral("Edit and replay…"), this);
        edit_->setObjectName(QStringLiteral("replayEdit"));
        buttons->addButton(edit_, QDialogButtonBox::ActionRole);
        connect(edit_, &QPushButton::clicked, this, [this] {
            accept();
            Q_EMIT editRequested(letters_.front().id);
        });
    }
    QPushButton* cancel = buttons->addButton(QDialogButtonBox::Cancel);
    // Enter must not resend what the receiver refused: then it edits, or cancels.
    const bool refused = risk_.outlook == ReplayOutlook::LikelyToFailAgain;
    replay_->setAutoDefault(false);
    cancel->setAutoDefault(false);
    QPushButton* byDefault = !refused ? replay_ : edit_ ? edit_ : cancel;
    byDefault->setDefault(true);
    byDefault->setFocus();
    connect(replay_, &QPushButton::clicked, this, [this] {
        accept();
        Q_EMIT replayRequested();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(consumers);
    layout->addWidget(list);
    layout->addWidget(frame);
    layout->addWidget(buttons);
    setMinimumWidth(720); // a line per letter, mostly unscrolled
    setMaximumWidth(1000);
}

void ReplayPreviewDialog::checkCircuits(MeshSession& session) {
    std::set<std::string> names;
    for (const auto& d : letters_)
        names.insert(d.consumer);
    for (const std::string& name : names) {
        const QString path = QStringLiteral("/v1/consumers/") +
                             QString::fromUtf8(QUrl::toPercentEncoding(toQString(name)));
        getAnswer<protocol::ConsumerReport>(
            session, path, this, [this](const Answer<protocol::ConsumerReport>& consumer) {
                if (!consumer || consumer->circuit == CircuitState::Closed)
                    return;
                const QString name = toQString(consumer->name);
                const QString line =
                    consumer->circuit == CircuitState::Open
                        ? QStringLiteral("%1's circuit is open: the receiver kept failing, so "
                                         "these wait for the next probe%2.")
                              .arg(name, consumer->probeAt ? QStringLiteral(" at %1").arg(
                                                                 timeText(consumer->probeAt))
                                                           : QString())
                        : QStringLiteral("%1's circuit is half-open: a probe is testing whether "
                                         "the receiver is back.")
                              .arg(name);
                circuits_->setText(circuits_->text().isEmpty() ? line
                                                               : circuits_->text() + u'\n' + line);
                circuits_->show();
            });
    }
}

QString ReplayPreviewDialog::assessmentText() const {
    return circuits_->text().isEmpty() ? assessment_->text()
                                       : assessment_->text() + u'\n' + circuits_->text();
}

} // namespace meshdeck::views
