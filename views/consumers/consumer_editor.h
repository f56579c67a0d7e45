#pragma once
// Declare or change a consumer (POST /v1/consumers, PUT /v1/consumers/{name};
// admins only). A form for what people set most and a JSON tab with the whole
// spec; both edit one JSON object, so fields the form does not show are kept.
// Every change is checked a moment later by the parser the broker runs
// (core/consumer_spec.h), and each violation is shown under its field and
// listed in the JSON tab; Save is available only for a spec that parses. The
// broker still has the last word: its violations (400/422) and a taken name
// (409) are shown the same way.

#include "core/error.h"
#include "views/session/mesh_session.h"

#include <QDialog>
#include <QJsonObject>
#include <QSet>
#include <QTimer>
#include <memory>
#include <vector>

class QFormLayout;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;

namespace meshdeck::views {

class ConsumerEditor final : public QDialog {
    Q_OBJECT

public:
    // `name` empty: a new consumer; else that consumer, loaded from the broker.
    ConsumerEditor(MeshSession& session, QString name, QWidget* parent = nullptr);
    ~ConsumerEditor() override;

    // The spec as the JSON tab holds it.
    QString specText() const;
    void setSpecText(const QString& text);
    // What the last check found, "path: message" each (the JSON tab's list).
    QStringList problems() const;
    // The message shown under the form field for that JSON pointer ("" none).
    QString problemAt(const QString& pointer) const;
    void save();

Q_SIGNALS:
    void saved(const QString& name);

private:
    struct Field;
    enum class Kind { Text, Number, Choice, List, Json };
    void addField(const QString& section, const QString& label, const QString& pointer, Kind kind,
                  QWidget* editor);
    void formEdited(const Field& field);
    void jsonEdited();
    void showSpecInForm();
    void validate();
    void showProblems(const Violations& violations);
    Violations localChecks() const;
    void load();
    void loadCatalog();
    void saveAnswered(const MeshReply& reply, const QString& name);

    MeshSession& session_;
    QString name_; // the consumer being changed; "" while declaring one
    QJsonObject spec_;
    std::vector<std::unique_ptr<Field>> fields_;
    QHash<QString, QFormLayout*> sections_;
    QTabWidget* tabs_;
    QPlainTextEdit* json_;
    QListWidget* problemList_;
    QLabel* otherProblems_;
    QLabel* status_;
    QPushButton* saveButton_;
    QTimer checkTimer_;
    bool loaded_ = false;
    bool saving_ = false;
    QSet<QString> knownTypes_; // the catalog's event types; empty until it answered
    // The broker's violations, for the text it refused (dropped once it changes).
    Violations brokerViolations_;
    QString refusedText_;
    QStringList problems_;
};

} // namespace meshdeck::views
