#pragma once
// Connections: add, edit, remove and switch meshes. The embedded mesh is
// always first and cannot be removed. Tokens are written to the owner-only
// token file, never shown back.

#include "views/connections/connection_store.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace meshdeck::views {

class ConnectionsDialog : public QDialog {
    Q_OBJECT

public:
    static const QString kEmbedded; // the list's name for the embedded mesh

    ConnectionsDialog(ConnectionStore& store, const QString& current, bool hasEmbedded,
                      QWidget* parent = nullptr);

Q_SIGNALS:
    // The user asked to switch to this mesh (kEmbedded for the embedded one).
    void connectRequested(const QString& name);

private:
    void reload(const QString& select);
    void showSelected();
    void saveForm();
    void removeSelected();
    bool embeddedSelected() const;

    ConnectionStore& store_;
    bool hasEmbedded_;
    QListWidget* list_;
    QLineEdit* name_;
    QLineEdit* url_;
    QLineEdit* token_;
    QCheckBox* insecure_;
    QLabel* message_;
    QPushButton* save_;
    QPushButton* remove_;
    QPushButton* connect_;
};

} // namespace meshdeck::views
