#pragma once
// Replay a consumer, safely: where to start (a seq or a time), which events,
// at what rate. "Dry run" asks the broker how many events would go out and
// how many of them the consumer already acknowledged; only then does
// "Replay" become available, naming the count.

#include "views/session/mesh_session.h"

#include <QDialog>

class QCheckBox;
class QDateTimeEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace meshdeck::views {

class ReplayDialog final : public QDialog {
    Q_OBJECT

public:
    ReplayDialog(MeshSession& session, QString consumer, QWidget* parent = nullptr);

    // The request body the dialog would send (dry_run as given).
    QByteArray requestBody(bool dryRun) const;
    void dryRun();
    void replay();

Q_SIGNALS:
    void replayed(const QString& consumer, qint64 events);

private:
    void invalidate();

    MeshSession& session_;
    QString consumer_;
    QRadioButton* fromSeq_;
    QSpinBox* seq_;
    QDateTimeEdit* since_;
    QLineEdit* types_;
    QSpinBox* rate_;
    QLabel* result_;
    QPushButton* dryRunButton_;
    QPushButton* replayButton_;
    qint64 counted_ = -1;
};

} // namespace meshdeck::views
