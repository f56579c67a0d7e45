#include "views/consumers/replay_dialog.h"

#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTimeZone>
#include <QVBoxLayout>

namespace meshdeck::views {

ReplayDialog::ReplayDialog(MeshSession& session, QString consumer, QWidget* parent)
    : QDialog(parent), session_(session), consumer_(std::move(consumer)),
      fromSeq_(new QRadioButton(QStringLiteral("From seq"), this)), seq_(new QSpinBox(this)),
      since_(new QDateTimeEdit(QDateTime::currentDateTimeUtc().addSecs(-3600), this)),
      types_(new QLineEdit(this)), rate_(new QSpinBox(this)), result_(new QLabel(this)),
      dryRunButton_(new QPushButton(QStringLiteral("Dry run"), this)),
      replayButton_(new QPushButton(QStringLiteral("Replay"), this)) {
    setWindowTitle(QStringLiteral("Replay %1").arg(consumer_));
    setObjectName(QStringLiteral("replayDialog"));
    auto* fromTime = new QRadioButton(QStringLiteral("Since (UTC, occurred_at)"), this);
    fromTime->setChecked(true);
    seq_->setRange(1, std::numeric_limits<int>::max());
    seq_->setObjectName(QStringLiteral("seq"));
    since_->setTimeSpec(Qt::UTC);
    since_->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    since_->setCalendarPopup(true);
    types_->setPlaceholderText(
        QStringLiteral("every type the consumer takes; or e.g. LeadScored, LeadQualified"));
    types_->setObjectName(QStringLiteral("types"));
    rate_->setRange(0, 100'000);
    rate_->setSuffix(QStringLiteral(" events/s"));
    rate_->setSpecialValueText(QStringLiteral("as fast as the consumer goes"));
    rate_->setValue(100);
    result_->setWordWrap(true);
    result_->setObjectName(QStringLiteral("replayResult"));
    result_->setText(
        QStringLiteral("Run a dry run first: it counts what would be sent and sends nothing."));
    replayButton_->setEnabled(false);
    replayButton_->setObjectName(QStringLiteral("replayButton"));
    dryRunButton_->setObjectName(QStringLiteral("dryRunButton"));
    dryRunButton_->setDefault(true);

    auto* form = new QFormLayout;
    form->addRow(fromTime, since_);
    form->addRow(fromSeq_, seq_);
    form->addRow(QStringLiteral("Event types"), types_);
    form->addRow(QStringLiteral("Rate cap"), rate_);
    auto* buttons = new QDialogButtonBox(this);
    buttons->addButton(dryRunButton_, QDialogButtonBox::ActionRole);
    buttons->addButton(replayButton_, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        QStringLiteral("Events go again to <b>%1</b> only, with their original event_id; "
                       "the consumer's progress does not move.")
            .arg(consumer_.toHtmlEscaped()),
        this));
    layout->addLayout(form);
    layout->addWidget(result_);
    layout->addWidget(buttons);

    connect(dryRunButton_, &QPushButton::clicked, this, &ReplayDialog::dryRun);
    connect(replayButton_, &QPushButton::clicked, this, &ReplayDialog::replay);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(seq_, &QSpinBox::valueChanged, this, &ReplayDialog::invalidate);
    connect(rate_, &QSpinBox::valueChanged, this, &ReplayDialog::invalidate);
    connect(since_, &QDateTimeEdit::dateTimeChanged, this, &ReplayDialog::invalidate);
    connect(types_, &QLineEdit::textChanged, this, &ReplayDialog::invalidate);
    connect(fromSeq_, &QRadioButton::toggled, this, &ReplayDialog::invalidate);
}

QByteArray ReplayDialog::requestBody(bool dryRun) const {
    QJsonObject body;
    if (fromSeq_->isChecked())
        body.insert(QStringLiteral("from_seq"), seq_->value());
    else
        body.insert(QStringLiteral("since"),
                    since_->dateTime().toUTC().toString(Qt::ISODateWithMs));
    QJsonArray types;
    for (const auto& t : types_->text().split(u',', Qt::SkipEmptyParts))
        types.append(t.trimmed());
    if (!types.isEmpty())
        body.insert(QStringLiteral("filter"), QJsonObject{{QStringLiteral("event_types"), types}});
    body.insert(QStringLiteral("rate_per_second"), rate_->value());
    body.insert(QStringLiteral("dry_run"), dryRun);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

void ReplayDialog::invalidate() {
    counted_ = -1;
    replayButton_->setEnabled(false);
    replayButton_->setText(QStringLiteral("Replay"));
}

void ReplayDialog::dryRun() {
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/consumers/%1/replay").arg(consumer_);
    request.body = requestBody(true);
    result_->setText(QStringLiteral("Counting…"));
    session_.request(request, this, [this](const MeshReply& reply) {
        if (!reply.ok()) {
            result_->setText(QStringLiteral("Refused: %1").arg(reply.describe()));
            return;
        }
        const QJsonObject c = QJsonDocument::fromJson(reply.body)
                                  .object()
                                  .value(QLatin1String("consumers"))
                                  .toArray()
                                  .at(0)
                                  .toObject();
        counted_ = c.value(QLatin1String("events")).toInteger();
        const auto already = c.value(QLatin1String("already_delivered")).toInteger();
        result_->setText(
            QStringLiteral("%1 event(s) from seq %2 to %3 would go to %4; %5 of them it already "
                           "acknowledged (an idempotent sink ignores those).")
                .arg(counted_)
                .arg(c.value(QLatin1String("from_seq")).toInteger())
                .arg(c.value(QLatin1String("to_seq")).toInteger())
                .arg(consumer_)
                .arg(already));
        replayButton_->setEnabled(counted_ > 0);
        replayButton_->setText(QStringLiteral("Replay %1 event(s)").arg(counted_));
    });
}

void ReplayDialog::replay() {
    if (counted_ <= 0)
        return;
    MeshRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/v1/consumers/%1/replay").arg(consumer_);
    request.body = requestBody(false);
    replayButton_->setEnabled(false);
    session_.request(request, this, [this](const MeshReply& reply) {
        if (!reply.ok()) {
            result_->setText(QStringLiteral("Refused: %1").arg(reply.describe()));
            return;
        }
        Q_EMIT replayed(consumer_, counted_);
        accept();
    });
}

} // namespace meshdeck::views
