#include "views/consumers/consumer_editor.h"

#include "core/consumer_spec.h"
#include "core/envelope_json.h"
#include "core/protocol/consumer_status.h"
#include "views/console/record_list_page.h"
#include "views/session/protocol_adapter.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QTabWidget>
#include <QVBoxLayout>

namespace meshdeck::views {

// One form field: where it lives in the spec, how its text becomes JSON, and
// the line under it that says what is wrong with it.
struct ConsumerEditor::Field {
    QString pointer; // "/rate_limit/per_second"
    Kind kind;
    QWidget* editor;
    QLabel* problem;
};

namespace {

constexpr int kCheckDelayMs = 150;

QStringList keysOf(const QString& pointer) {
    return pointer.split(u'/', Qt::SkipEmptyParts);
}

QJsonValue valueAt(const QJsonObject& root, const QString& pointer) {
    QJsonValue value = root;
    for (const auto& key : keysOf(pointer))
        value = value.toObject().value(key);
    return value;
}

// Sets (or, with an undefined value, removes) the value at a pointer,
// creating objects on the way and dropping those left empty.
void setAt(QJsonObject& object, const QStringList& keys, const QJsonValue& value) {
    if (keys.size() == 1) {
        if (value.isUndefined())
            object.remove(keys.front());
        else
            object.insert(keys.front(), value);
        return;
    }
    QJsonObject inner = object.value(keys.front()).toObject();
    setAt(inner, keys.mid(1), value);
    if (inner.isEmpty())
        object.remove(keys.front());
    else
        object.insert(keys.front(), inner);
}

QString numberText(const QJsonValue& value) {
    if (value.isString())
        return value.toString();
    if (!value.isDouble())
        return {};
    return jsonNumberText(value.toDouble());
}

// A number field's text as JSON: a number when it reads as one, else the
// text itself, so the parser says what it expected.
QJsonValue numberValue(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    bool isInteger = false;
    const qint64 integer = trimmed.toLongLong(&isInteger);
    if (isInteger)
        return integer;
    bool isNumber = false;
    const double number = trimmed.toDouble(&isNumber);
    return isNumber ? QJsonValue(number) : QJsonValue(trimmed);
}

QString pathText(const std::string& path) {
    return path.empty() ? QStringLiteral("(the whole spec)") : toQString(path);
}

// Readable on the dialog's background, light or dark.
QColor problemColour(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < 128 ? QColor(0xff, 0x8a, 0x80)
                                                             : QColor(0xc6, 0x28, 0x28);
}

// A new consumer starts as a webhook taking every event type.
QJsonObject newSpec() {
    return QJsonObject{
        {QStringLiteral("sink"), QJsonObject{{QStringLiteral("type"), QStringLiteral("webhook")}}},
        {QStringLiteral("filter"), QJsonObject{{QStringLiteral("event_types"), QJsonArray()}}}};
}

QLineEdit* lineEdit(const QString& objectName, const QString& placeholder, QWidget* parent) {
    auto* edit = new QLineEdit(parent);
    edit->setObjectName(objectName);
    edit->setPlaceholderText(placeholder);
    return edit;
}

QComboBox* choice(const QString& objectName, const QStringList& words, QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->setObjectName(objectName);
    box->addItems(words);
    return box;
}

} // namespace

ConsumerEditor::ConsumerEditor(MeshSession& session, QString name, QWidget* parent)
    : QDialog(parent), session_(session), name_(std::move(name)), tabs_(new QTabWidget(this)),
      json_(new QPlainTextEdit(this)), problemList_(new QListWidget(this)),
      otherProblems_(new QLabel(this)), status_(new QLabel(this)),
      saveButton_(new QPushButton(QStringLiteral("Save"), this)) {
    setObjectName(QStringLiteral("consumerEditor"));
    setWindowTitle(name_.isEmpty() ? QStringLiteral("New consumer")
                                   : QStringLiteral("Edit consumer %1").arg(name_));
    json_->setObjectName(QStringLiteral("specText"));
    json_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    problemList_->setObjectName(QStringLiteral("problemList"));
    problemList_->setWordWrap(true);
    otherProblems_->setObjectName(QStringLiteral("otherProblems"));
    otherProblems_->setWordWrap(true);
    otherProblems_->hide();
    status_->setObjectName(QStringLiteral("editorStatus"));
    status_->setWordWrap(true);
    saveButton_->setObjectName(QStringLiteral("saveButton"));
    saveButton_->setEnabled(false);
    saveButton_->setDefault(true);
    QPalette problemPalette = otherProblems_->palette();
    problemPalette.setColor(QPalette::WindowText, problemColour(palette()));
    otherProblems_->setPalette(problemPalette);

    auto* form = new QWidget;
    auto* formLayout = new QVBoxLayout(form);
    formLayout->addWidget(otherProblems_);
    for (const char* section : {"Delivery", "Filter", "Retries and circuit", "Limits and SLO"}) {
        auto* box = new QGroupBox(QLatin1String(section), form);
        auto* rows = new QFormLayout(box);
        rows->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        sections_.insert(QLatin1String(section), rows);
        formLayout->addWidget(box);
    }
    formLayout->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(form);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    const QString delivery = QStringLiteral("Delivery");
    auto* nameEdit = lineEdit(QStringLiteral("nameEdit"), QStringLiteral("crm-sync"), this);
    nameEdit->setReadOnly(!name_.isEmpty()); // PUT replaces the consumer of the path's name
    addField(delivery, QStringLiteral("Name"), QStringLiteral("/name"), Kind::Text, nameEdit);
    addField(
        delivery, QStringLiteral("Kind"), QStringLiteral("/sink/type"), Kind::Choice,
        choice(QStringLiteral("kindChoice"),
               {QStringLiteral("webhook"), QStringLiteral("websocket"), QStringLiteral("none")},
               this));
    addField(delivery, QStringLiteral("URL"), QStringLiteral("/sink/url"), Kind::Text,
             lineEdit(QStringLiteral("urlEdit"),
                      QStringLiteral("https://crm.example/hooks/meshdeck"), this));
    addField(delivery, QStringLiteral("Ordering"), QStringLiteral("/ordering"), Kind::Choice,
             choice(QStringLiteral("orderingChoice"),
                    {QStringLiteral("entity"), QStringLiteral("none")}, this));
    addField(delivery, QStringLiteral("Dead letters"), QStringLiteral("/dead_letter"), Kind::Choice,
             choice(QStringLiteral("deadLetterChoice"),
                    {QStringLiteral("continue"), QStringLiteral("block")}, this));

    const QString filter = QStringLiteral("Filter");
    addField(filter, QStringLiteral("Event types"), QStringLiteral("/filter/event_types"),
             Kind::List,
             lineEdit(QStringLiteral("eventTypesEdit"),
                      QStringLiteral("LeadScored, LeadQualified (empty: every type)"), this));
    addField(
        filter, QStringLiteral("Tenant"), QStringLiteral("/filter/tenant"), Kind::Text,
        lineEdit(QStringLiteral("tenantEdit"), QStringLiteral("acme (empty: every tenant)"), this));
    addField(filter, QStringLiteral("Conditions"), QStringLiteral("/filter/where"), Kind::Json,
             lineEdit(QStringLiteral("whereEdit"),
                      QStringLiteral(R"([{"field": "/payload/score", "op": ">=", "value": 80}])"),
                      this));

    const QString retries = QStringLiteral("Retries and circuit");
    const std::pair<const char*, const char*> retryFields[] = {
        {"Attempts", "/retry/max_attempts"},
        {"First wait (ms)", "/retry/base_ms"},
        {"Longest wait (ms)", "/retry/cap_ms"},
        {"Give up after (s)", "/retry/max_age_s"},
        {"Circuit opens at failure ratio", "/circuit_breaker/failure_ratio"},
        {"Circuit stays open (ms)", "/circuit_breaker/open_ms"},
    };
    const QString limits = QStringLiteral("Limits and SLO");
    const std::pair<const char*, const char*> limitFields[] = {
        {"Events per second", "/rate_limit/per_second"},
        {"SLO target (ms)", "/slo/target_ms"},
        {"SLO percentile", "/slo/percentile"},
    };
    auto addNumbers = [this](const QString& section, const auto& numbers) {
        for (const auto& entry : numbers) {
            const QString pointer = QLatin1String(entry.second);
            // "/rate_limit/per_second" -> "perSecondEdit"
            QString objectName = keysOf(pointer).last();
            const QStringList words = objectName.split(u'_');
            objectName = words.front();
            for (const auto& word : words.mid(1))
                objectName += word.left(1).toUpper() + word.mid(1);
            addField(section, QLatin1String(entry.first), pointer, Kind::Number,
                     lineEdit(objectName + QStringLiteral("Edit"),
                              QStringLiteral("the broker's default"), this));
        }
    };
    addNumbers(retries, retryFields);
    addNumbers(limits, limitFields);

    auto* jsonPage = new QWidget(this);
    auto* jsonLayout = new QVBoxLayout(jsonPage);
    jsonLayout->addWidget(json_, 3);
    jsonLayout->addWidget(new QLabel(QStringLiteral("Problems"), jsonPage));
    jsonLayout->addWidget(problemList_, 1);
    tabs_->addTab(scroll, QStringLiteral("Form"));
    tabs_->addTab(jsonPage, QStringLiteral("JSON"));

    auto* buttons = new QDialogButtonBox(this);
    buttons->addButton(saveButton_, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs_, 1);
    layout->addWidget(status_);
    layout->addWidget(buttons);
    resize(560, 640);

    checkTimer_.setSingleShot(true);
    checkTimer_.setInterval(kCheckDelayMs);
    connect(&checkTimer_, &QTimer::timeout, this, &ConsumerEditor::validate);
    connect(json_, &QPlainTextEdit::textChanged, this, &ConsumerEditor::jsonEdited);
    connect(saveButton_, &QPushButton::clicked, this, &ConsumerEditor::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    loadCatalog();
    if (name_.isEmpty()) {
        loaded_ = true;
        spec_ = newSpec();
        setSpecText(QString::fromUtf8(QJsonDocument(spec_).toJson(QJsonDocument::Indented)));
    } else {
        status_->setText(QStringLiteral("Loading %1…").arg(name_));
        load();
    }
}

ConsumerEditor::~ConsumerEditor() = default;

void ConsumerEditor::addField(const QString& section, const QString& label, const QString& pointer,
                              Kind kind, QWidget* editor) {
    auto* problem = new QLabel(this);
    problem->setObjectName(editor->objectName() + QStringLiteral("Problem"));
    problem->setWordWrap(true);
    problem->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    QPalette red = problem->palette();
    red.setColor(QPalette::WindowText, problemColour(palette()));
    problem->setPalette(red);
    problem->hide();
    auto* cell = new QWidget(this);
    auto* column = new QVBoxLayout(cell);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(2);
    column->addWidget(editor);
    column->addWidget(problem);
    sections_.value(section)->addRow(label, cell);
    fields_.push_back(std::make_unique<Field>(Field{pointer, kind, editor, problem}));
    const Field& field = *fields_.back();
    if (auto* edit = qobject_cast<QLineEdit*>(editor))
        connect(edit, &QLineEdit::textEdited, this, [this, &field] { formEdited(field); });
    else if (auto* box = qobject_cast<QComboBox*>(editor))
        connect(box, &QComboBox::activated, this, [this, &field] { formEdited(field); });
}

QString ConsumerEditor::specText() const {
    return json_->toPlainText();
}

void ConsumerEditor::setSpecText(const QString& text) {
    json_->setPlainText(text); // jsonEdited fills the form
}

QStringList ConsumerEditor::problems() const {
    return problems_;
}

QString ConsumerEditor::problemAt(const QString& pointer) const {
    for (const auto& field : fields_)
        if (field->pointer == pointer)
            return field->problem->isHidden() ? QString() : field->problem->text();
    return {};
}

// The form changed one value: it goes into the spec, and the JSON tab shows
// the spec again.
void ConsumerEditor::formEdited(const Field& field) {
    QJsonValue value;
    const auto* edit = qobject_cast<QLineEdit*>(field.editor);
    const QString text =
        edit ? edit->text().trimmed() : qobject_cast<QComboBox*>(field.editor)->currentText();
    switch (field.kind) {
    case Kind::Text:
    case Kind::Choice:
        value = text.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(text);
        break;
    case Kind::Number:
        value = numberValue(text);
        break;
    case Kind::List: {
        QJsonArray list;
        for (const auto& word :
             text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts))
            list.append(word);
        value = list;
        break;
    }
    case Kind::Json: {
        // Kept out of the spec until it reads as JSON; localChecks says why.
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        if (!text.isEmpty() && !document.isArray())
            return validate();
        value = text.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(document.array());
        break;
    }
    }
    setAt(spec_, keysOf(field.pointer), value);
    {
        const QSignalBlocker quiet(json_);
        json_->setPlainText(
            QString::fromUtf8(QJsonDocument(spec_).toJson(QJsonDocument::Indented)));
    }
    checkTimer_.start();
}

// The JSON tab changed: when it reads as an object, the form shows it.
void ConsumerEditor::jsonEdited() {
    const QJsonDocument document = QJsonDocument::fromJson(json_->toPlainText().toUtf8());
    if (document.isObject()) {
        spec_ = document.object();
        showSpecInForm();
    }
    checkTimer_.start();
}

void ConsumerEditor::showSpecInForm() {
    for (const auto& field : fields_) {
        const QJsonValue value = valueAt(spec_, field->pointer);
        if (auto* box = qobject_cast<QComboBox*>(field->editor)) {
            const QSignalBlocker quiet(box);
            const QString word = value.isString() ? value.toString() : box->itemText(0);
            if (box->findText(word) < 0)
                box->addItem(word); // shown as it is; the parser says what it expects
            box->setCurrentText(word);
            continue;
        }
        auto* edit = qobject_cast<QLineEdit*>(field->editor);
        QString text;
        switch (field->kind) {
        case Kind::Number:
            text = numberText(value);
            break;
        case Kind::List: {
            QStringList words;
            for (const auto& word : value.toArray())
                words << word.toString();
            text = words.join(QStringLiteral(", "));
            break;
        }
        case Kind::Json:
            text = value.isArray()
                       ? QString::fromUtf8(
                             QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact))
                       : QString();
            break;
        default:
            text = value.isString() ? value.toString() : QString();
        }
        // Typing stays where it is: only a field whose value changed is rewritten.
        if (edit->text().trimmed() != text &&
            !(field->kind == Kind::List && edit->text().simplified() == text.simplified()))
            edit->setText(text);
    }
}

// What the broker's parser cannot see from here: the catalog, the secrets it
// answered masked, and condition text that is not JSON yet.
Violations ConsumerEditor::localChecks() const {
    Violations found;
    const QJsonArray types = valueAt(spec_, QStringLiteral("/filter/event_types")).toArray();
    for (qsizetype i = 0; i < types.size(); ++i) {
        const QString type = types.at(i).toString();
        const std::string at = "/filter/event_types/" + std::to_string(i);
        if (type.isEmpty())
            continue; // the parser's own
        if (!detail::isEventTypeName(type.toStdString()))
            found.push_back({at, "expected an event type name in PascalCase (letters and digits, "
                                 "at most 96 characters) such as \"LeadQualified\", got \"" +
                                     type.toStdString() + '"'});
        else if (!knownTypes_.isEmpty() && !knownTypes_.contains(type))
            found.push_back({at, "unknown event type \"" + type.toStdString() +
                                     "\": the catalog has no schema for it, so no producer "
                                     "can publish it"});
    }
    if (valueAt(spec_, QStringLiteral("/sink/secret")).toString() == QLatin1String("whsec_***"))
        found.push_back({"/sink/secret", "the broker shows the signing secret masked; type it "
                                         "again in the JSON tab, or saving stores whsec_*** as "
                                         "the secret"});
    const QJsonObject headers = valueAt(spec_, QStringLiteral("/sink/headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
        if (it.value().toString() == QLatin1String("***"))
            found.push_back({"/sink/headers/" + it.key().toStdString(),
                             "the broker shows header values masked; type it again in the JSON "
                             "tab, or saving sends *** as the header"});
    for (const auto& field : fields_) {
        const auto* edit = qobject_cast<QLineEdit*>(field->editor);
        QJsonParseError error;
        if (field->kind == Kind::Json && !edit->text().trimmed().isEmpty() &&
            !QJsonDocument::fromJson(edit->text().toUtf8(), &error).isArray())
            found.push_back({field->pointer.toStdString(),
                             error.error == QJsonParseError::NoError
                                 ? std::string("expected an array of conditions")
                                 : "not JSON yet: " + error.errorString().toStdString() +
                                       " at character " + std::to_string(error.offset + 1)});
    }
    return found;
}

void ConsumerEditor::validate() {
    checkTimer_.stop();
    const QByteArray text = json_->toPlainText().toUtf8();
    ParsedConsumer parsed =
        parseConsumerSpec(std::string_view(text.constData(), static_cast<size_t>(text.size())));
    Violations all = std::move(parsed.violations);
    for (auto& v : localChecks())
        all.push_back(std::move(v));
    if (QString::fromUtf8(text) == refusedText_)
        for (const auto& v : brokerViolations_)
            all.push_back(v);
    showProblems(all);
    const bool admin = session_.role() == QLatin1String("admin");
    saveButton_->setEnabled(loaded_ && !saving_ && admin && all.empty());
    saveButton_->setToolTip(admin ? QString()
                                  : QStringLiteral("Declaring and changing consumers needs the "
                                                   "admin role; this token is %1.")
                                        .arg(session_.role()));
}

// Each violation goes under the field whose pointer is the longest prefix of
// its path; the rest above the form. All of them are listed in the JSON tab.
void ConsumerEditor::showProblems(const Violations& violations) {
    QHash<const Field*, QStringList> byField;
    QStringList other;
    problems_.clear();
    problemList_->clear();
    for (const auto& v : violations) {
        const QString path = toQString(v.path);
        const QString message = toQString(v.message);
        problems_ << pathText(v.path) + QStringLiteral(": ") + message;
        const Field* best = nullptr;
        for (const auto& field : fields_)
            if ((path == field->pointer || path.startsWith(field->pointer + u'/')) &&
                (!best || field->pointer.size() > best->pointer.size()))
                best = field.get();
        if (best)
            byField[best] << (path == best->pointer ? message
                                                    : path + QStringLiteral(": ") + message);
        else
            other << pathText(v.path) + QStringLiteral(": ") + message;
    }
    problemList_->addItems(problems_);
    for (const auto& field : fields_) {
        const QStringList messages = byField.value(field.get());
        field->problem->setText(messages.join(u'\n'));
        field->problem->setVisible(!messages.isEmpty());
    }
    otherProblems_->setText(other.join(u'\n'));
    otherProblems_->setVisible(!other.isEmpty());
    tabs_->setTabText(1, problems_.isEmpty()
                             ? QStringLiteral("JSON")
                             : QStringLiteral("JSON (%1 problem(s))").arg(problems_.size()));
}

void ConsumerEditor::load() {
    getAnswer<protocol::ConsumerReport>(
        session_, QStringLiteral("/v1/consumers/%1").arg(name_), this,
        [this](const Answer<protocol::ConsumerReport>& answer) {
            if (!answer || !answer->specJson) {
                status_->setText(
                    answer ? QStringLiteral("The broker did not send %1's spec.").arg(name_)
                           : QStringLiteral("Could not load %1: %2").arg(name_, answer.error));
                return;
            }
            loaded_ = true;
            status_->clear();
            const QJsonDocument document =
                QJsonDocument::fromJson(QByteArray::fromStdString(*answer->specJson));
            setSpecText(QString::fromUtf8(document.toJson(QJsonDocument::Indented)));
            validate();
        });
}

// The catalog's event types, to catch a misspelt one before the broker
// accepts a consumer that would never receive anything.
void ConsumerEditor::loadCatalog() {
    session_.get(QStringLiteral("/v1/schemas"), this, [this](const MeshReply& reply) {
        if (!reply.ok())
            return;
        for (const auto& schema :
             QJsonDocument::fromJson(reply.body).object().value(QLatin1String("schemas")).toArray())
            knownTypes_.insert(schema.toObject().value(QLatin1String("event_type")).toString());
        knownTypes_.remove(QString());
        checkTimer_.start();
    });
}

void ConsumerEditor::save() {
    validate();
    if (!saveButton_->isEnabled())
        return;
    const QString name = valueAt(spec_, QStringLiteral("/name")).toString();
    MeshRequest request;
    request.method = name_.isEmpty() ? QByteArrayLiteral("POST") : QByteArrayLiteral("PUT");
    request.path = name_.isEmpty() ? QStringLiteral("/v1/consumers")
                                   : QStringLiteral("/v1/consumers/%1").arg(name_);
    request.body = json_->toPlainText().toUtf8();
    saving_ = true;
    saveButton_->setEnabled(false);
    status_->setText(QStringLiteral("Saving %1…").arg(name));
    session_.request(request, this, [this, name](const MeshReply& reply) {
        saving_ = false;
        saveAnswered(reply, name);
    });
}

void ConsumerEditor::saveAnswered(const MeshReply& reply, const QString& name) {
    if (reply.ok()) {
        status_->setText(QStringLiteral("Saved %1.").arg(name));
        Q_EMIT saved(name);
        accept();
        return;
    }
    brokerViolations_.clear();
    refusedText_ = json_->toPlainText();
    if (reply.status == 409) {
        brokerViolations_.push_back({"/name", reply.describe().toStdString()});
    } else {
        for (const auto& v : QJsonDocument::fromJson(reply.body)
                                 .object()
                                 .value(QLatin1String("violations"))
                                 .toArray())
            brokerViolations_.push_back(
                {v.toObject().value(QLatin1String("path")).toString().toStdString(),
                 v.toObject().value(QLatin1String("message")).toString().toStdString()});
    }
    status_->setText(QStringLiteral("The broker did not save %1: %2").arg(name, reply.describe()));
    validate();
}

} // namespace meshdeck::views
