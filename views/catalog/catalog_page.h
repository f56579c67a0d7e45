#pragma once
// The Catalog page: the mesh's event types (filterable), the selected one's
// owner, SLO class, PII fields, versions and schemas, the producers seen
// sending it, and a compatibility check of a draft schema that an admin may
// register as the next version.

#include "views/console/page.h"

#include <QHash>
#include <QStyle>
#include <QTimer>
#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace meshdeck::views {

class CatalogModel;

class CatalogPage : public Page {
    Q_OBJECT

public:
    // Asked before anything is registered; true to go ahead.
    using ConfirmFunction = std::function<bool(QWidget* parent, const QString& title,
                                               const QString& text, const QString& details)>;

    explicit CatalogPage(MeshSession& session, QWidget* parent = nullptr);

    QString title() const override { return QStringLiteral("Catalog"); }
    QIcon icon() const override {
        return bundledIcon(this, QStringLiteral("catalog"), QStyle::SP_FileDialogInfoView);
    }
    void activate() override;
    QLineEdit* searchField() const override { return filter_; }

    CatalogModel* model() const { return model_; }
    QString selectedType() const { return selectedType_; }
    // Selects the type in the list (clearing the filter if it hides it).
    bool selectType(const QString& eventType);
    // Replaces the confirmation dialog (tests answer it without a dialog).
    void setConfirmFunction(ConfirmFunction confirm) { confirm_ = std::move(confirm); }

Q_SIGNALS:
    void schemaShown(const QString& eventType, int version);
    void checkFinished(bool compatible);
    void registrationFinished(bool registered);

private:
    struct SchemaVersion {
        QString text;        // indented, in the author's member order
        QByteArray idBefore; // its "$id" as written, empty when it has none
    };

    void buildUi();
    void showSelection();
    void showSummary();
    void showType(const QString& eventType);
    void fetchVersions(const QString& eventType);
    void fetchProducers(const QString& eventType);
    void fetchConsumers(const QString& eventType);
    void showVersion(int version);
    void resetDraft();
    // Re-checks the draft now; true when it is a JSON object.
    bool validateDraft();
    void checkDraft();
    void registerDraft();
    void showBreakingChanges(const QStringList& lines);
    void updateRegisterButton();
    QString selectedMode() const;
    int latestVersion() const;

    CatalogModel* model_;
    QSortFilterProxyModel* proxy_;
    QLineEdit* filter_;
    QTimer filterDebounce_;
    QTableView* typeList_;
    QLabel* listStatus_;

    QLabel* typeTitle_;
    QLabel* description_;
    QLabel* owner_;
    QLabel* sloClass_;
    QLabel* pii_;
    QLabel* producers_;
    QLabel* consumers_;
    QComboBox* versionSelector_;
    QPlainTextEdit* schemaView_;

    QPlainTextEdit* draft_;
    QLabel* draftValidity_;
    QTimer draftDebounce_;
    QComboBox* mode_;
    QPushButton* checkButton_;
    QPushButton* registerButton_;
    QLabel* result_;
    QListWidget* breakingChanges_;

    QString selectedType_;
    QHash<int, SchemaVersion> versions_;
    bool draftValid_ = false;
    bool registerInFlight_ = false;
    // Each answer carries the generation it was asked in; older ones are dropped.
    quint64 typeGeneration_ = 0;
    quint64 checkGeneration_ = 0;
    ConfirmFunction confirm_;
};

} // namespace meshdeck::views
